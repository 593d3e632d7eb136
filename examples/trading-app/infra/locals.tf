locals {
  name_prefix = coalesce(var.name_prefix, "acinaces-${var.environment}")
  tags        = { Project = "acinaces", Environment = var.environment }
  partition   = startswith(var.region, "cn-") ? "aws-cn" : startswith(var.region, "us-gov-") ? "aws-us-gov" : "aws"

  stage    = "live" # the API stage
  alias    = "live" # the Lambda alias API Gateway invokes
  api_name = "${local.name_prefix}-api"

  # Handlers with their function name and the credential names their secrets entries expand to.
  functions = {
    for key, handler in var.handlers : key => merge(handler, {
      function_name = "${local.name_prefix}-${replace(key, "_", "-")}"
      secrets = sort(distinct(flatten([
        for entry in handler.secrets : contains(keys(var.credentials), entry)
        ? tolist([entry])
        : tolist([for name, credential in var.credentials : name if credential.group == entry])
      ])))
    })
  }

  log_groups = merge(
    { for key, f in local.functions : key => "/aws/lambda/${f.function_name}" },
    { api = "/aws/apigateway/${local.name_prefix}" },
  )

  dynamodb_tables = {
    for table in ["strategy_templates", "strategies", "risk_profiles", "market_subscriptions", "audit_log"] :
    table => "${local.name_prefix}-${replace(table, "_", "-")}"
  }

  timestream_database = "${local.name_prefix}-market"
  timestream_tables   = ["prices", "trades"]

  # CloudFront only takes certificates from us-east-1; the API's lives in the API's region.
  certificates = {
    frontend = { domain_name = var.domain, region = "us-east-1" }
    api      = { domain_name = var.api_domain, region = var.region }
  }

  # The certificates this project requests or imports: those not given as existing ARNs.
  managed_certificates = { for key, c in local.certificates : key => c if !contains(keys(var.existing_certificate_arns), key) }

  certificate_imports = {
    for key, files in var.certificate_imports : key => {
      certificate_file = files.certificate_file
      private_key_file = files.private_key_file
      chain_file       = files.chain_file
      # Part of the spec so that new file contents re-run the import.
      content_sha256 = sha256(join(",", [
        filesha256(files.certificate_file),
        filesha256(files.private_key_file),
        files.chain_file == null ? "" : filesha256(files.chain_file),
      ]))
    }
  }

  managed_policy_arns = [
    "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:${local.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess",
  ]
}
