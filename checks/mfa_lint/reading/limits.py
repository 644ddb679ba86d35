"""Every limit the readers and the scan stop at, named once.

Hostile input (a 100,000-level nesting, a module calling itself, a dynamic block over a million elements) must cost
one file a bounded amount of work and stack, never the run. Each limit is far above what real configurations need;
where a reader stops at one it says so in a note (NoteKind.READER_LIMIT) or an error, never silently. The core's own
budgets (statements, tries, companion comparisons) stay in the core, which imports nothing.
"""

from __future__ import annotations

# -- files --------------------------------------------------------------------------------------------------------

#: Larger files are an error, never read (`--max-file-size`; also files a policy reads with `file()`).
MAX_FILE_SIZE = 10 * 1024 * 1024
#: Seconds one file may take to be read and analysed (`--parse-timeout`; checkov's HCL parse budget is also 10 s).
PARSE_TIMEOUT = 10.0
#: Files a policy references (`file()`, a called module's files) kept in a scan's read cache.
CACHED_FILES = 256
#: Entries looked at in a skipped folder of generated templates (`cdk.out`) to count its templates for the message
#: that says it was skipped (a `cdk.out` holds its templates and one folder per asset).
GENERATED_FOLDER_ENTRIES = 2000

# -- nesting: deeper than this, a value is left as it is (or the file is refused), so no walk exhausts the stack ----

#: JSON decoded with positions (policy files, heredocs, Fn::Sub text, JSON strings): deeper is a SourceError.
JSON_NESTING = 512
#: Brackets in a `.tf` file (counted when a file does not parse, to name the line).
HCL_NESTING = 4096
#: Depth of tree-sitter-hcl's syntax tree of a `.tf` file (a bracket level is 3-5 nodes): deeper is a SourceError.
HCL_SYNTAX_DEPTH = 16_384
#: `${ ... }` interpolations nested inside strings of a `.tf` file.
HCL_TEMPLATE_NESTING = 64
#: Values marked as Unknown (Terraform references, CloudFormation intrinsics) and HCL expressions evaluated.
VALUE_NESTING = 256
#: JSON decoded from an HCL string template, walked to put interpolated values in place.
TEMPLATE_VALUE_NESTING = 600
#: checkov's one-element list wrappings and jsonencode booleans undone.
CHECKOV_VALUE_NESTING = 64
#: CloudFormation values expanded for intrinsics (Fn::If, Ref, Fn::Sub).
INTRINSIC_NESTING = 64
#: Fn::If nested on the way to one CloudFormation policy property (not inside the document).
FN_IF_NESTING = 8
#: Nested block levels of an `aws_iam_policy_document` data source (body -> statement -> condition).
POLICY_DOCUMENT_BLOCK_NESTING = 4

# -- Terraform evaluation -----------------------------------------------------------------------------------------

#: `var.x` / `local.x` references followed one inside another.
REFERENCE_DEPTH = 16
#: Characters of an unresolved expression shown in a note.
REFERENCE_TEXT = 200
#: Expression nodes one evaluation may visit (references can repeat work: `local.a = [local.b, local.b]`).
EVALUATION_NODES = 100_000
#: Levels of local module calls followed below the module being read, a module calling a module ... (terraform has
#: no limit; real configurations stay under 5); never into a folder already on the call chain.
MODULE_CALL_DEPTH = 16
#: Elements one `for` expression, splat or template `%{ for }` iterates over.
FOR_ITERATIONS = 1_000
#: Items one function call may produce (`range(1e9)`, `formatlist` over huge lists, `setproduct`).
FUNCTION_ITEMS = 10_000
#: Characters of one string a function or a template produces.
EVALUATED_STRING = 1_000_000
#: Characters a regular expression (`replace` with `/re/`, `regex`) is run on.
REGEX_TEXT = 100_000
#: Interpolation texts (and `templatestring` texts) parsed inside one another.
NESTED_TEMPLATES = 16
#: Directives (`%{ if }`, `%{ for }`) nested in one template, and tokens one template may have.
DIRECTIVE_NESTING = 64
TEMPLATE_TOKENS = 100_000
#: Wrappers unwrapped and operators followed in one chain of an HCL expression.
EXPRESSION_CHAIN = 4096
#: Files one `fileset()` may list, and folder entries it may look at.
FILESET_FILES = 256
FILESET_VISITS = 10_000
#: Document paths whose places are collected from one evaluated value.
LOCATED_PATHS = 200_000
#: YAML nodes turned into values by `yamldecode` (aliases count each time they are used), and their nesting.
YAML_NODES = 200_000

#: Nodes of a template decoded without cfn-lint, aliases expanded (cfn-lint's own bound on alias amplification).
TEMPLATE_NODES = 250_000
YAML_NESTING = 512
#: Instances of a module call with `for_each` judged one by one (more, or unknown: judged once with `each` unbound).
MODULE_INSTANCES = 32
#: Called modules' files read for one scanned file, over every level (a wide tree of calls costs no more).
MODULE_FILE_READS = 256
#: `aws_iam_policy_document`s merged one into another (`source_policy_documents` of `source_policy_documents` ...).
DOCUMENT_MERGE_NESTING = 16
#: Levels of locals followed to find what a dynamic block's `for_each` depends on.
LOCAL_DEPTH = 8
#: Values a `validation` may pin a variable to that are tried one by one when nothing sets the variable.
VALIDATION_VALUES = 8
#: Combinations of the values validations allow that one policy is built with (more: the variables stay unknown).
VALIDATION_VARIANTS = 16
#: Nesting of a variable's type constraint followed (`list(object({a = map(list(...))}))`).
TYPE_NESTING = 32
#: Unresolved references a policy document's `for_each` conditions may depend on (2**n tries).
DYNAMIC_REFERENCES = 4
#: Elements one `dynamic` block is expanded over.
DYNAMIC_ITERATIONS = 256

# -- plan JSON ----------------------------------------------------------------------------------------------------

#: Module nesting followed in a plan's planned_values.
PLAN_MODULE_DEPTH = 64
#: Configuration files read to map a plan's addresses to their lines (under `--tf-root`, or found beside the plan).
TF_ROOT_FILES = 2000

# -- CloudFormation -----------------------------------------------------------------------------------------------

#: Fn::If branch combinations judged per policy value.
FN_IF_VARIANTS = 64
#: Allowed values of one parameter tried one by one (more: the first ones, and a note says so).
ALLOWED_VALUES = 16
#: Combinations of parameters' allowed values one policy value is built with (more: the further parameters keep
#: their default, or stay unknown without one, and a note says so).
PARAMETER_VARIANTS = 32
#: Levels of nested stacks (`AWS::CloudFormation::Stack` with a local TemplateURL) read below the scanned template;
#: never into a template already on the chain.
NESTED_STACK_DEPTH = 8
#: Nested stack templates read for one scanned template, over every level.
NESTED_STACK_READS = 64
#: Folders above a template where checkov's checks look for parent templates that deploy it as a nested stack.
NESTED_STACK_PARENT_LEVELS = 2
#: Files looked at in those folders (more: the first ones in name order).
NESTED_STACK_PARENT_FILES = 256

# -- attachments (what a policy is attached to: reading.attachments) -----------------------------------------------

#: Template or document nodes walked for the names a value gives (`Ref`, `GetAtt`, `Sub`): past it, a managed policy
#: may be named anywhere, so it keeps its default kind and callers.
ATTACHMENT_NODES = 200_000
#: Steps from a policy to what it is attached to followed when choosing the files the graph parses (policy ->
#: attachment -> role -> ...).
ATTACHMENT_HOPS = 6
#: `local.x` naming a `local.y` ... followed to find the role or policy an attachment names.
ATTACHMENT_LOCALS = 16

# -- unknown values -----------------------------------------------------------------------------------------------

#: Characters of an unknown value's text kept in a note.
UNKNOWN_TEXT = 200
