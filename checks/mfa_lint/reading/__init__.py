"""What every format reader shares, below the format wings."""
