# Every AWS resource is one instance of modules/aws_resource (Terraform core only, see README.md).
# One module block per kind; the order of creation and deletion comes from the references between
# the blocks' outputs (a resource is created after, and deleted before, what its spec refers to).

# --- storage -----------------------------------------------------------------------------------

module "buckets" {
  source   = "./modules/aws_resource"
  for_each = toset(["deployment", "frontend"])

  kind   = "s3_bucket"
  name   = "${local.name_prefix}-${each.key}"
  region = var.region
  python = var.python
  spec   = { versioning = true, tags = local.tags }
}

module "dynamodb_tables" {
  source   = "./modules/aws_resource"
  for_each = local.dynamodb_tables

  kind   = "dynamodb_table"
  name   = each.value
  region = var.region
  python = var.python
  spec   = { hash_key = "id", billing_mode = "PAY_PER_REQUEST", tags = local.tags }
}

module "timestream_database" {
  source   = "./modules/aws_resource"
  for_each = toset(["market"])

  kind   = "timestream_database"
  name   = local.timestream_database
  region = var.region
  python = var.python
  spec   = { tags = local.tags }
}

module "timestream_tables" {
  source   = "./modules/aws_resource"
  for_each = toset(local.timestream_tables)

  kind   = "timestream_table"
  name   = "${local.timestream_database}/${each.key}"
  region = var.region
  python = var.python
  spec = {
    database_arn            = module.timestream_database["market"].attributes.arn
    memory_retention_hours  = 24
    magnetic_retention_days = 365
    tags                    = local.tags
  }
}

# --- credentials -------------------------------------------------------------------------------

module "kms_keys" {
  source   = "./modules/aws_resource"
  for_each = toset(["secrets"])

  kind   = "kms_key"
  name   = "alias/${local.name_prefix}-${each.key}"
  region = var.region
  python = var.python
  spec = {
    description         = "${local.name_prefix}: encrypts the exchange and AI provider credentials"
    enable_key_rotation = true
    tags                = local.tags
  }
}

module "secrets" {
  source   = "./modules/aws_resource"
  for_each = var.credentials

  kind   = "secret"
  name   = "${local.name_prefix}/${each.value.group}/${each.key}"
  region = var.region
  python = var.python
  spec = {
    description = format("%s %s credentials: a JSON object with %s (no value is set by the infrastructure)",
    each.key, each.value.group == "ai" ? "AI provider" : "exchange", join(", ", each.value.fields))
    kms_key_id = module.kms_keys["secrets"].attributes.key_arn
    tags       = local.tags
  }
}

# --- compute -----------------------------------------------------------------------------------

module "log_groups" {
  source   = "./modules/aws_resource"
  for_each = local.log_groups

  kind   = "log_group"
  name   = each.value
  region = var.region
  python = var.python
  spec   = { retention_days = 30, tags = local.tags }
}

locals {
  secret_arns = [for s in module.secrets : s.attributes.secret_arn]
}

module "lambda_role" {
  source   = "./modules/aws_resource"
  for_each = toset(["lambda"])

  kind   = "iam_role"
  name   = "${local.name_prefix}-${each.key}"
  region = var.region
  python = var.python
  spec = {
    assume_role_service = "lambda.amazonaws.com"
    description         = "${local.name_prefix}: execution role of the backend functions"
    managed_policies    = local.managed_policy_arns
    inline_policies = {
      backend-access = {
        Version = "2012-10-17"
        Statement = concat(
          # No statement at all when there is no credential (an empty Resource list is invalid).
          [for arns in [local.secret_arns] : {
            Sid      = "ReadCredentials"
            Effect   = "Allow"
            Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
            Resource = arns
          } if length(arns) > 0],
          [
            {
              Sid      = "DecryptCredentials"
              Effect   = "Allow"
              Action   = ["kms:Decrypt"]
              Resource = [module.kms_keys["secrets"].attributes.key_arn]
            },
            {
              Sid    = "Tables"
              Effect = "Allow"
              Action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
              "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"]
              Resource = flatten([for t in module.dynamodb_tables : [t.attributes.table_arn, "${t.attributes.table_arn}/index/*"]])
            },
            {
              Sid      = "MarketData"
              Effect   = "Allow"
              Action   = ["timestream:WriteRecords", "timestream:Select", "timestream:DescribeTable"]
              Resource = [for t in module.timestream_tables : t.attributes.arn]
            },
            {
              Sid      = "TimestreamEndpoints"
              Effect   = "Allow"
              Action   = ["timestream:DescribeEndpoints"]
              Resource = ["*"]
            },
        ])
      }
    }
    tags = local.tags
  }
}

module "functions" {
  source   = "./modules/aws_resource"
  for_each = local.functions

  kind   = "lambda_function"
  name   = each.value.function_name
  region = var.region
  python = var.python
  spec = {
    description  = "${each.value.category}: ${each.value.handler} (${each.value.route})"
    runtime      = var.lambda_runtime
    handler      = each.value.handler
    role_arn     = module.lambda_role["lambda"].attributes.role_arn
    memory_size  = 256
    timeout      = 10
    tracing_mode = "Active"
    alias        = local.alias
    log_group    = module.log_groups[each.key].attributes.log_group_name # created first, with retention
    tags         = merge(local.tags, { Category = each.value.category })
  }
}

# --- API -------------------------------------------------------------------------------------

module "api" {
  source   = "./modules/aws_resource"
  for_each = toset(["api"])

  kind   = "rest_api"
  name   = local.api_name
  region = var.region
  python = var.python
  spec = {
    description     = "${local.name_prefix}: backend API"
    endpoint_type   = "REGIONAL"
    stage           = local.stage
    tracing_enabled = true
    log_group       = module.log_groups["api"].attributes.log_group_name
    routes = {
      for key, f in local.functions : key => {
        path       = f.route
        alias_arn  = module.functions[key].attributes.alias_arn
        invoke_arn = module.functions[key].attributes.invoke_arn
      }
    }
    tags = local.tags
  }
}

# --- DNS and certificates --------------------------------------------------------------------

module "hosted_zone" {
  source   = "./modules/aws_resource"
  for_each = toset(["public"])

  kind   = "route53_zone"
  name   = var.domain
  region = var.region
  python = var.python
  spec   = { comment = "${local.name_prefix}: frontend and API", tags = local.tags }
}

module "certificates" {
  source   = "./modules/aws_resource"
  for_each = local.managed_certificates

  kind   = "acm_certificate"
  name   = "${local.name_prefix}-${each.key}"
  region = each.value.region
  python = var.python
  spec = {
    domain_name = each.value.domain_name
    import      = lookup(local.certificate_imports, each.key, null)
    tags        = local.tags
  }
}

module "validation_records" {
  source   = "./modules/aws_resource"
  for_each = { for key, c in local.managed_certificates : key => c if !contains(keys(var.certificate_imports), key) }

  kind   = "route53_record"
  name   = "${trimsuffix(module.certificates[each.key].attributes.validation_records[0].name, ".")} ${module.certificates[each.key].attributes.validation_records[0].type}"
  region = var.region
  python = var.python
  spec = {
    zone_id = module.hosted_zone["public"].attributes.zone_id
    ttl     = 300
    values  = [module.certificates[each.key].attributes.validation_records[0].value]
  }
}

# Every certificate CloudFront and the API domain use, requested, imported or existing, is
# ISSUED before they name it.
module "certificate_validations" {
  source   = "./modules/aws_resource"
  for_each = local.certificates

  kind   = "acm_certificate_validation"
  name   = "${local.name_prefix}-${each.key}"
  region = each.value.region
  python = var.python
  spec = {
    certificate_arn    = try(var.existing_certificate_arns[each.key], module.certificates[each.key].attributes.certificate_arn)
    validation_records = try([module.validation_records[each.key].attributes.fqdn], [])
    timeout_seconds    = 2700
  }
}

module "api_domain" {
  source   = "./modules/aws_resource"
  for_each = toset(["api"])

  kind   = "api_domain"
  name   = var.api_domain
  region = var.region
  python = var.python
  spec = {
    certificate_arn = module.certificate_validations["api"].attributes.certificate_arn
    api_id          = module.api["api"].attributes.api_id
    stage           = module.api["api"].attributes.stage
    security_policy = "TLS_1_2"
    tags            = local.tags
  }
}

# --- frontend --------------------------------------------------------------------------------

module "cdn" {
  source   = "./modules/aws_resource"
  for_each = toset(["frontend"])

  kind   = "cloudfront_distribution"
  name   = "${local.name_prefix}-${each.key}" # the CallerReference
  region = var.region
  python = var.python
  spec = {
    comment             = "${local.name_prefix} frontend"
    aliases             = [var.domain]
    origin_bucket       = module.buckets["frontend"].attributes.bucket
    origin_domain_name  = module.buckets["frontend"].attributes.regional_domain_name
    certificate_arn     = module.certificate_validations["frontend"].attributes.certificate_arn
    default_root_object = "index.html"
    price_class         = "PriceClass_100"
    spa_fallback        = true
    tags                = local.tags
  }
}

module "alias_records" {
  source = "./modules/aws_resource"
  for_each = {
    frontend = {
      fqdn    = var.domain
      target  = module.cdn["frontend"].attributes.domain_name
      zone_id = module.cdn["frontend"].attributes.hosted_zone_id
    }
    api = {
      fqdn    = var.api_domain
      target  = module.api_domain["api"].attributes.regional_domain_name
      zone_id = module.api_domain["api"].attributes.regional_zone_id
    }
  }

  kind   = "route53_record"
  name   = "${each.value.fqdn} A"
  region = var.region
  python = var.python
  spec = {
    zone_id = module.hosted_zone["public"].attributes.zone_id
    alias   = { name = each.value.target, zone_id = each.value.zone_id, evaluate_target_health = false }
  }
}

# --- monitoring ------------------------------------------------------------------------------

module "sns_topics" {
  source   = "./modules/aws_resource"
  for_each = toset(["alerts"])

  kind   = "sns_topic"
  name   = "${local.name_prefix}-${each.key}"
  region = var.region
  python = var.python
  spec = {
    subscriptions = concat(
      [var.alert_subscription],
      [for q in module.alert_queues : { protocol = "sqs", endpoint = q.attributes.queue_arn }],
    )
    tags = local.tags
  }
}

# An SQS queue subscribed to the alerts topic (var.alert_audit_queue): the validation reads its
# test alert back from it, proving delivery.
module "alert_queues" {
  source   = "./modules/aws_resource"
  for_each = var.alert_audit_queue ? toset(["alerts"]) : toset([])

  kind   = "sqs_queue"
  name   = "${local.name_prefix}-${each.key}-audit"
  region = var.region
  python = var.python
  spec   = { allow_topic = "${local.name_prefix}-${each.key}", tags = local.tags }
}

locals {
  api_dimensions = { ApiName = module.api["api"].attributes.api_name, Stage = local.stage }

  alarms = merge(
    {
      for key, f in local.functions : "${f.function_name}-errors" => {
        description        = "Errors of ${f.function_name}"
        namespace          = "AWS/Lambda"
        metric_name        = "Errors"
        dimensions         = { FunctionName = module.functions[key].attributes.function_name }
        statistic          = "Sum"
        extended_statistic = null
        threshold          = 1
        comparison         = "GreaterThanOrEqualToThreshold"
      }
    },
    {
      "${local.name_prefix}-api-5xx" = {
        description        = "5xx answers of ${local.api_name}"
        namespace          = "AWS/ApiGateway"
        metric_name        = "5XXError"
        dimensions         = local.api_dimensions
        statistic          = "Sum"
        extended_statistic = null
        threshold          = 1
        comparison         = "GreaterThanOrEqualToThreshold"
      }
      "${local.name_prefix}-api-latency" = {
        description        = "p95 latency of ${local.api_name} above 2 s"
        namespace          = "AWS/ApiGateway"
        metric_name        = "Latency"
        dimensions         = local.api_dimensions
        statistic          = null
        extended_statistic = "p95"
        threshold          = 2000
        comparison         = "GreaterThanThreshold"
      }
    },
  )

  function_metric = { for key in keys(local.functions) : key => ["FunctionName", module.functions[key].attributes.function_name] }
  api_metric      = ["ApiName", module.api["api"].attributes.api_name, "Stage", local.stage]

  dashboard_widgets = [
    for i, w in [
      { title = "Lambda errors", stat = "Sum", metrics = [for key in keys(local.functions) : concat(["AWS/Lambda", "Errors"], local.function_metric[key])] },
      { title = "Lambda duration (p95, ms)", stat = "p95", metrics = [for key in keys(local.functions) : concat(["AWS/Lambda", "Duration"], local.function_metric[key])] },
      { title = "API 5xx errors", stat = "Sum", metrics = [concat(["AWS/ApiGateway", "5XXError"], local.api_metric)] },
      { title = "API latency (p95, ms)", stat = "p95", metrics = [concat(["AWS/ApiGateway", "Latency"], local.api_metric)] },
      ] : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = floor(i / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = w.title
        region  = var.region
        stat    = w.stat
        period  = 300
        view    = "timeSeries"
        stacked = false
        metrics = w.metrics
      }
    }
  ]
}

module "alarms" {
  source   = "./modules/aws_resource"
  for_each = local.alarms

  kind   = "cloudwatch_alarm"
  name   = each.key
  region = var.region
  python = var.python
  spec = {
    description         = each.value.description
    namespace           = each.value.namespace
    metric_name         = each.value.metric_name
    dimensions          = each.value.dimensions
    statistic           = each.value.statistic
    extended_statistic  = each.value.extended_statistic
    period              = 300
    evaluation_periods  = 1
    threshold           = each.value.threshold
    comparison_operator = each.value.comparison
    treat_missing_data  = "notBreaching"
    alarm_actions       = [module.sns_topics["alerts"].attributes.topic_arn]
    tags                = local.tags
  }
}

module "dashboards" {
  source   = "./modules/aws_resource"
  for_each = toset(["overview"])

  kind   = "cloudwatch_dashboard"
  name   = "${local.name_prefix}-${each.key}"
  region = var.region
  python = var.python
  spec   = { body = { widgets = local.dashboard_widgets } }
}

module "xray_groups" {
  source   = "./modules/aws_resource"
  for_each = toset(["api"])

  kind   = "xray_group"
  name   = local.name_prefix
  region = var.region
  python = var.python
  spec = {
    # API Gateway reports its traces as the service "<api name>/<stage>".
    filter_expression = "service(\"${module.api["api"].attributes.api_name}/${local.stage}\")"
    tags              = local.tags
  }
}

module "xray_sampling_rules" {
  source   = "./modules/aws_resource"
  for_each = toset(["default"])

  kind   = "xray_sampling_rule"
  name   = local.name_prefix
  region = var.region
  python = var.python
  spec = {
    priority       = 1000
    fixed_rate     = 0.05
    reservoir_size = 1
    service_name   = "*"
    service_type   = "*"
    url_path       = "*"
    tags           = local.tags
  }
}
