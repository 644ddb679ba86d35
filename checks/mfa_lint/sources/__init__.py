"""Source readers: find policy documents in files, with their kind and where each part sits in the file."""
