"""mfa-lint's checks for checkov: the one module checkov imports from `--external-checks-dir`.

checkov imports every `.py` file of an external-checks folder (and of its subfolders holding an `__init__.py`) as
a top-level module, once per framework registry, and swallows any exception with a log line. So this loader never
raises: it registers mfa-lint's checks once per process, or, when mfa-lint cannot be loaded, stand-in checks with
the same ids that FAIL every resource the real checks would judge, naming the problem and the fix (never exit 0
with nothing).

Where mfa-lint comes from: the bundle next to this file (`mfa-lint checkov-dir --export DIR` writes both, the bundle
pinned by its SHA-256 below), else the mfa-lint package this folder sits in (`mfa-lint checkov-dir`), loaded by path
so that it works from a checkov installed elsewhere (pipx, brew) without adding anything else to checkov's path,
else an `import mfa_lint` from checkov's own environment. Only checkov's own dependencies are needed; cfn-lint, where
checkov's environment lacks it, is reported by the checks themselves (MFA000).
"""

import hashlib
import os
import sys

# --- stamped by mfa-lint checkov-dir --export (a test keeps the values of this plain copy current) ---
VERSION = None
BUNDLE = None
BUNDLE_SHA256 = None
CHECK_IDS = ('MFA001', 'MFA002', 'MFA003', 'MFA004', 'MFA005', 'MFA006', 'MFA000')
TERRAFORM_RESOURCES = (
    'aws_acmpca_policy', 'aws_api_gateway_domain_name', 'aws_api_gateway_rest_api', 'aws_api_gateway_rest_api_policy',
    'aws_backup_vault_policy', 'aws_cloudsearch_domain_service_access_policy', 'aws_cloudwatch_event_bus_policy',
    'aws_cloudwatch_log_delivery_destination_policy', 'aws_cloudwatch_log_destination_policy',
    'aws_cloudwatch_log_resource_policy', 'aws_codeartifact_domain_permissions_policy',
    'aws_codeartifact_repository_permissions_policy', 'aws_codebuild_resource_policy', 'aws_dynamodb_resource_policy',
    'aws_ecr_registry_policy', 'aws_ecr_repository_creation_template', 'aws_ecr_repository_policy',
    'aws_ecrpublic_repository_policy', 'aws_efs_file_system_policy', 'aws_elasticsearch_domain',
    'aws_elasticsearch_domain_policy', 'aws_glacier_vault', 'aws_glacier_vault_lock', 'aws_glue_resource_policy',
    'aws_iam_group_policy', 'aws_iam_policy', 'aws_iam_role', 'aws_iam_role_policy', 'aws_iam_user_policy',
    'aws_kinesis_resource_policy', 'aws_kms_external_key', 'aws_kms_key', 'aws_kms_key_policy',
    'aws_kms_replica_external_key', 'aws_kms_replica_key', 'aws_media_store_container_policy', 'aws_msk_cluster_policy',
    'aws_networkfirewall_resource_policy', 'aws_oam_sink_policy', 'aws_opensearch_domain',
    'aws_opensearch_domain_policy', 'aws_organizations_policy', 'aws_organizations_resource_policy',
    'aws_redshift_resource_policy', 'aws_redshiftserverless_resource_policy', 'aws_rolesanywhere_profile',
    'aws_s3_access_point', 'aws_s3_bucket', 'aws_s3_bucket_policy',
    'aws_s3control_access_grants_instance_resource_policy', 'aws_s3control_access_point_policy',
    'aws_s3control_bucket_policy', 'aws_s3control_multi_region_access_point_policy',
    'aws_s3control_object_lambda_access_point_policy', 'aws_s3tables_table_bucket_policy', 'aws_s3tables_table_policy',
    'aws_sagemaker_model_package_group_policy', 'aws_schemas_registry_policy', 'aws_secretsmanager_secret',
    'aws_secretsmanager_secret_policy', 'aws_ses_identity_policy', 'aws_sesv2_email_identity_policy', 'aws_sns_topic',
    'aws_sns_topic_policy', 'aws_sqs_queue', 'aws_sqs_queue_policy', 'aws_ssoadmin_permission_set_inline_policy',
    'aws_transfer_access', 'aws_transfer_user', 'aws_vpc_endpoint', 'aws_vpc_endpoint_policy',
    'aws_vpclattice_auth_policy', 'aws_vpclattice_resource_policy', 'aws_xray_resource_policy',
)
TERRAFORM_DATA = ('aws_iam_policy_document',)
CLOUDFORMATION_RESOURCES = (
    'AWS::AIOps::InvestigationGroup', 'AWS::APS::ResourcePolicy', 'AWS::ApiGateway::DomainNameV2',
    'AWS::ApiGateway::RestApi', 'AWS::Backup::BackupVault', 'AWS::Backup::LogicallyAirGappedBackupVault',
    'AWS::Bedrock::KnowledgeBasePolicy', 'AWS::Bedrock::ResourcePolicy', 'AWS::BedrockAgentCore::ResourcePolicy',
    'AWS::CloudTrail::ResourcePolicy', 'AWS::CodeArtifact::Domain', 'AWS::CodeArtifact::Repository',
    'AWS::Comprehend::DocumentClassifier', 'AWS::Comprehend::EntityRecognizer', 'AWS::DSQL::Cluster',
    'AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table', 'AWS::EC2::VPCEndpoint', 'AWS::ECR::PublicRepository',
    'AWS::ECR::RegistryPolicy', 'AWS::ECR::Repository', 'AWS::ECR::RepositoryCreationTemplate', 'AWS::EFS::FileSystem',
    'AWS::EKS::PodIdentityAssociation', 'AWS::Elasticsearch::Domain', 'AWS::EventSchemas::RegistryPolicy',
    'AWS::Events::EventBus', 'AWS::EventsV2::ResourcePolicy', 'AWS::FSx::S3AccessPointAttachment', 'AWS::IAM::Group',
    'AWS::IAM::GroupPolicy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::IAM::RolePolicy',
    'AWS::IAM::User', 'AWS::IAM::UserPolicy', 'AWS::KMS::Key', 'AWS::KMS::ReplicaKey', 'AWS::Kinesis::ResourcePolicy',
    'AWS::Lambda::ResourcePolicy', 'AWS::Lex::ResourcePolicy', 'AWS::Logs::DeliveryDestination',
    'AWS::Logs::Destination', 'AWS::Logs::LogGroup', 'AWS::Logs::ResourcePolicy', 'AWS::MSK::ClusterPolicy',
    'AWS::MediaPackageV2::ChannelPolicy', 'AWS::MediaPackageV2::OriginEndpointPolicy', 'AWS::MediaStore::Container',
    'AWS::MediaTailor::ChannelPolicy', 'AWS::ODB::OdbNetwork', 'AWS::OSIS::Pipeline', 'AWS::Oam::Sink',
    'AWS::Omics::SequenceStore', 'AWS::OpenSearchService::Domain', 'AWS::Organizations::Policy',
    'AWS::Organizations::ResourcePolicy', 'AWS::PaymentCryptography::Key', 'AWS::RUM::AppMonitor',
    'AWS::Redshift::Cluster', 'AWS::RedshiftServerless::Namespace', 'AWS::RolesAnywhere::Profile',
    'AWS::S3::AccessPoint', 'AWS::S3::BucketPolicy', 'AWS::S3::MultiRegionAccessPointPolicy',
    'AWS::S3Express::AccessPoint', 'AWS::S3Express::BucketPolicy', 'AWS::S3Files::FileSystemPolicy',
    'AWS::S3ObjectLambda::AccessPointPolicy', 'AWS::S3Outposts::AccessPoint', 'AWS::S3Outposts::BucketPolicy',
    'AWS::S3Tables::TableBucketPolicy', 'AWS::S3Tables::TablePolicy', 'AWS::S3Vectors::VectorBucketPolicy',
    'AWS::SMSVOICE::ResourcePolicy', 'AWS::SNS::TopicInlinePolicy', 'AWS::SNS::TopicPolicy',
    'AWS::SQS::QueueInlinePolicy', 'AWS::SQS::QueuePolicy', 'AWS::SSM::ResourcePolicy', 'AWS::SSO::PermissionSet',
    'AWS::SageMaker::ModelPackageGroup', 'AWS::SecretsManager::ResourcePolicy', 'AWS::Serverless::Api',
    'AWS::Serverless::Function', 'AWS::Serverless::StateMachine', 'AWS::Transfer::User', 'AWS::VpcLattice::AuthPolicy',
    'AWS::VpcLattice::ResourcePolicy', 'AWS::XRay::ResourcePolicy',
)
# --- end stamped ---

#: What every later load of this module in the same process finds: "loaded", or the stand-in's message.
_STATE = "_mfa_lint_checkov_state"
EXPORT_FIX = ("write a self-contained folder with `mfa-lint checkov-dir --export DIR` (in a workflow step before "
              "checkov-action, or committed) and pass DIR to checkov (--external-checks-dir DIR; checkov-action: "
              "external_checks_dirs: DIR)")


def _here() -> str:
    return os.path.dirname(os.path.abspath(__file__))


def _load_package(origin: str, importer: object = None) -> object:
    """Import the `mfa_lint` package found at `origin` (a package folder or a zip), under its own name only."""
    import importlib.util

    if importer is not None:
        spec = importer.find_spec("mfa_lint")  # type: ignore[attr-defined]
    else:
        spec = importlib.util.spec_from_file_location(
            "mfa_lint", os.path.join(origin, "__init__.py"), submodule_search_locations=[origin])
    if spec is None or spec.loader is None:
        raise ImportError(f"no mfa_lint package in {origin}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mfa_lint"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop("mfa_lint", None)
        raise
    return module


def _bundle_problem(path: str) -> "str | None":
    if not os.path.isfile(path):
        return f"the bundle {BUNDLE} is missing next to {os.path.basename(__file__)} in {_here()}"
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    if digest != BUNDLE_SHA256:
        return (f"the bundle {BUNDLE} in {_here()} is not the one this loader was written with (SHA-256 {digest[:12]}"
                f"... instead of {str(BUNDLE_SHA256)[:12]}...)")
    return None


def _mfa_lint() -> object:
    """mfa-lint, from the bundle, the package around this folder, or checkov's environment; raises with why not."""
    if sys.version_info < (3, 10):  # noqa: UP036 - this file runs in whatever Python checkov has
        raise RuntimeError(f"checkov runs on Python {sys.version.split()[0]}; mfa-lint needs 3.10 or newer")
    loaded = sys.modules.get("mfa_lint")
    if loaded is not None:
        return loaded
    if BUNDLE is not None:
        path = os.path.join(_here(), BUNDLE)
        problem = _bundle_problem(path)
        if problem:
            raise RuntimeError(problem + "; run `mfa-lint checkov-dir --export DIR` again")
        import zipimport

        module = _load_package(path, zipimport.zipimporter(path))
        if getattr(module, "__version__", None) != VERSION:
            raise RuntimeError(f"the bundle holds mfa-lint {getattr(module, '__version__', '?')}, not {VERSION}")
        return module
    package = os.path.dirname(os.path.dirname(_here()))  # .../mfa_lint/checkov/external -> .../mfa_lint
    if os.path.basename(package) == "mfa_lint" and os.path.isfile(os.path.join(package, "checkov", "checks.py")):
        return _load_package(package)
    try:
        import mfa_lint
    except ImportError as error:
        raise ImportError(f"{error}; {_here()} is a copy of `mfa-lint checkov-dir` outside the mfa-lint package, "
                          "and checkov's Python has no mfa-lint") from None
    return mfa_lint


def _stand_in(problem: str) -> None:
    """Checks with mfa-lint's ids that fail every resource the real checks would judge, saying why and the fix."""
    from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CfnCheck
    from checkov.common.bridgecrew.severities import Severities
    from checkov.common.models.enums import CheckCategories, CheckResult
    from checkov.terraform.checks.data.base_check import BaseDataCheck
    from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TfCheck

    message = f"mfa-lint's checks are not loaded: {problem}. Fix: {EXPORT_FIX}"

    def failed(self: object, conf: object) -> object:
        self.details = [message]  # type: ignore[attr-defined]
        return CheckResult.FAILED

    for check_id in CHECK_IDS:
        for base, entities, method in ((TfCheck, TERRAFORM_RESOURCES, "scan_resource_conf"),
                                       (BaseDataCheck, TERRAFORM_DATA, "scan_data_conf"),
                                       (CfnCheck, CLOUDFORMATION_RESOURCES, "scan_resource_conf")):
            keyword = "supported_data" if base is BaseDataCheck else "supported_resources"
            cls = type(f"MfaLintNotLoaded{check_id}", (base,), {method: failed})
            # the name carries the message too: checkov's CloudFormation report drops details
            check = cls(name=message, id=check_id, categories=[CheckCategories.IAM], **{keyword: list(entities)})
            check.severity = Severities["HIGH"]


def _register() -> None:
    state = sys.modules.get(_STATE)
    if state is not None:  # loaded once already in this process (checkov loads the folder once per registry)
        return
    import types

    state = types.ModuleType(_STATE)
    sys.modules[_STATE] = state
    try:
        _mfa_lint()
        from mfa_lint.checkov.checks import register

        register()
        state.outcome = "loaded"  # type: ignore[attr-defined]
    except Exception as error:  # noqa: BLE001 - whatever stops mfa-lint from loading is reported, never swallowed
        problem = f"mfa-lint cannot be loaded by checkov's Python ({type(error).__name__}: {error})"
        state.outcome = problem  # type: ignore[attr-defined]
        print(f"mfa-lint: error: {problem}. Fix: {EXPORT_FIX}", file=sys.stderr)
        _stand_in(problem)


_register()
