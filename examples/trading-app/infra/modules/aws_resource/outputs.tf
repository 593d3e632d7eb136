output "attributes" {
  description = "What AWS generated for the resource (ids, ARNs, domain names), as written by ensure."
  value       = terraform_data.attributes.output
}

output "identity" {
  description = "Kind, name and region of the resource."
  value       = { kind = var.kind, name = var.name, region = var.region }
}
