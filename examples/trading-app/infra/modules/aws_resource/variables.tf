variable "kind" {
  description = "Resource kind: one of the kinds of scripts/aws_resource.py (s3_bucket, lambda_function, ...)."
  type        = string
}

variable "name" {
  description = "The resource's name in AWS; with kind and region it identifies the resource for deletion."
  type        = string
}

variable "region" {
  description = "AWS region the resource lives in (global services ignore it)."
  type        = string
}

variable "spec" {
  description = "Desired configuration, passed to the script as JSON. A change re-runs ensure."
  type        = any
  default     = {}
}

variable "python" {
  description = "Python interpreter with boto3: a command found on PATH (keep it machine-independent)."
  type        = string
  default     = "python3"
}
