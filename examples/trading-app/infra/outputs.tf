# The collection maps these names into its deployment manifest: keep them stable.

output "environment" {
  value = var.environment
}

output "region" {
  value = var.region
}

output "name_prefix" {
  value = local.name_prefix
}

output "api_id" {
  value = module.api["api"].attributes.api_id
}

output "api_endpoint" {
  description = "Invoke URL of the stage: https://<api_id>.execute-api.<region>.amazonaws.com/live"
  value       = module.api["api"].attributes.endpoint
}

output "api_stage" {
  value = module.api["api"].attributes.stage
}

output "api_domain" {
  value = module.api_domain["api"].attributes.domain_name
}

output "api_domain_target" {
  description = "Regional domain name of the API's custom domain (what the api_domain A alias points at)."
  value       = module.api_domain["api"].attributes.regional_domain_name
}

output "lambda_functions" {
  description = "Logical handler name => function, alias, route, log group and the credentials it reads."
  value = {
    for key, f in local.functions : key => {
      function_name = module.functions[key].attributes.function_name
      function_arn  = module.functions[key].attributes.function_arn
      category      = f.category
      handler       = f.handler
      alias         = module.functions[key].attributes.alias
      route         = f.route
      log_group     = module.log_groups[key].attributes.log_group_name
      secrets       = f.secrets
    }
  }
}

output "lambda_role_arn" {
  value = module.lambda_role["lambda"].attributes.role_arn
}

output "deployment_bucket" {
  value = module.buckets["deployment"].attributes.bucket
}

output "frontend_bucket" {
  value = module.buckets["frontend"].attributes.bucket
}

output "cloudfront_distribution_id" {
  value = module.cdn["frontend"].attributes.distribution_id
}

output "cloudfront_domain_name" {
  value = module.cdn["frontend"].attributes.domain_name
}

output "frontend_domain" {
  value = var.domain
}

output "hosted_zone_id" {
  value = module.hosted_zone["public"].attributes.zone_id
}

output "hosted_zone_name" {
  value = module.hosted_zone["public"].attributes.zone_name
}

output "certificate_arns" {
  value = { for key, c in module.certificate_validations : key => c.attributes.certificate_arn }
}

output "secret_arns" {
  description = "Credential name => secret ARN."
  value       = { for name, s in module.secrets : name => s.attributes.secret_arn }
}

output "kms_key_arn" {
  value = module.kms_keys["secrets"].attributes.key_arn
}

output "kms_key_alias" {
  value = module.kms_keys["secrets"].attributes.alias
}

output "dynamodb_tables" {
  description = "Logical table name => table name."
  value       = { for key, t in module.dynamodb_tables : key => t.attributes.table_name }
}

output "redis_endpoint" {
  value = var.redis_endpoint
}

output "timestream_database" {
  value = module.timestream_database["market"].attributes.database_name
}

output "timestream_tables" {
  value = [for key in local.timestream_tables : module.timestream_tables[key].attributes.table_name]
}

output "dashboards" {
  value = [for d in module.dashboards : d.attributes.dashboard_name]
}

output "alarms" {
  value = [for a in module.alarms : a.attributes.alarm_name]
}

output "sns_topics" {
  value = { for key, t in module.sns_topics : key => t.attributes.topic_arn }
}

output "log_groups" {
  description = "Logical function name => log group, plus \"api\"."
  value       = { for key, g in module.log_groups : key => g.attributes.log_group_name }
}

output "alert_queue_url" {
  description = "URL of the SQS queue subscribed to the alerts topic (null without var.alert_audit_queue)."
  value       = try(module.alert_queues["alerts"].attributes.queue_url, null)
}

output "xray_group" {
  value = module.xray_groups["api"].attributes.group_name
}
