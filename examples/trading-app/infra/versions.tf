terraform {
  # Terraform core only: every resource is a terraform_data driven by scripts/aws_resource.py,
  # so nothing is downloaded at init.
  required_version = ">= 1.11.0"

  # Partial configuration: the caller passes bucket, key, region, dynamodb_table (and endpoints
  # for a local AWS) with -backend-config.
  backend "s3" {}
}
