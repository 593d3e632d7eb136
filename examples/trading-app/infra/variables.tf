variable "environment" {
  description = "Environment name (local, staging, production, ...); part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.environment))
    error_message = "environment: lower-case letters, digits and '-', starting with a letter, at most 20 characters."
  }
}

variable "region" {
  description = "AWS region of the regional resources (the CloudFront certificate is always in us-east-1)."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name; null means \"acinaces-<environment>\"."
  type        = string
  default     = null

  validation {
    condition     = var.name_prefix == null || can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix: lower-case letters, digits and '-', starting with a letter, 2 to 31 characters."
  }
}

variable "domain" {
  description = "Frontend domain, also the name of the public hosted zone (e.g. local.acinaces.test)."
  type        = string
}

variable "api_domain" {
  description = "Custom domain of the API (e.g. api.local.acinaces.test), inside the hosted zone."
  type        = string

  validation {
    condition     = endswith(var.api_domain, ".${var.domain}")
    error_message = "api_domain must be a subdomain of domain (its records go into domain's hosted zone)."
  }
}

variable "python" {
  description = "Python interpreter with boto3 that runs scripts/aws_resource.py: a command on PATH, never an absolute path."
  type        = string
  default     = "python3"
}

variable "redis_endpoint" {
  description = "host:port of the Redis the backend uses; this project creates no cache, it passes the value on."
  type        = string
  default     = "127.0.0.1:6379"
}

variable "alert_subscription" {
  description = "Subscription of the alerts SNS topic."
  type = object({
    protocol = string
    endpoint = string
  })
  default = {
    protocol = "email"
    endpoint = "alerts@example.com"
  }
}

variable "alert_audit_queue" {
  description = "Subscribe an SQS queue <name_prefix>-alerts-audit to the alerts topic, where the validation reads its test alert back."
  type        = bool
  default     = false
}

variable "lambda_runtime" {
  description = "Runtime of every Lambda function."
  type        = string
  default     = "nodejs20.x"
}

variable "credentials" {
  description = <<-EOT
    Credentials the backend needs, one secret each: name => { group, fields }. group is
    "exchanges" or "ai" (the secret is "<prefix>/<group>/<name>"); fields are the JSON keys the
    secret value will hold (no value is written here).
  EOT
  type = map(object({
    group  = string
    fields = list(string)
  }))
  default = {
    binance  = { group = "exchanges", fields = ["api_key", "api_secret"] }
    coinbase = { group = "exchanges", fields = ["api_key", "api_secret"] }
    kraken   = { group = "exchanges", fields = ["api_key", "api_secret"] }
    okx      = { group = "exchanges", fields = ["api_key", "api_secret", "passphrase"] }
    bsdex    = { group = "exchanges", fields = ["api_key", "api_secret"] }
    bison    = { group = "exchanges", fields = ["api_key", "api_secret"] }
    finoa    = { group = "exchanges", fields = ["api_key", "api_secret"] }
    bybit    = { group = "exchanges", fields = ["api_key", "api_secret"] }
    gemini   = { group = "ai", fields = ["api_key"] }
    openai   = { group = "ai", fields = ["api_key"] }
    deepseek = { group = "ai", fields = ["api_key"] }
  }

  validation {
    condition     = alltrue([for c in values(var.credentials) : contains(["exchanges", "ai"], c.group)])
    error_message = "credentials: group is \"exchanges\" or \"ai\"."
  }
}

variable "handlers" {
  description = <<-EOT
    Lambda handlers: logical name => { category, handler, route, secrets }. secrets lists the
    credentials the function reads: credential names, or a group name ("exchanges", "ai") for
    every credential of that group.
  EOT
  type = map(object({
    category = string
    handler  = string
    route    = string
    secrets  = list(string)
  }))
  default = {
    health = {
      category = "system", handler = "health.handler", route = "/health"
      secrets  = ["exchanges", "ai"]
    }
    strategy_templates = {
      category = "strategies", handler = "strategy-templates.handler", route = "/strategy-templates"
      secrets  = ["ai"]
    }
    strategies = {
      category = "strategies", handler = "strategies.handler", route = "/strategies"
      secrets  = ["exchanges", "ai"]
    }
    risk_profiles = {
      category = "risk", handler = "risk-profiles.handler", route = "/risk-profiles"
      secrets  = []
    }
    market_data = {
      category = "market-data", handler = "market-data.handler", route = "/market-data"
      secrets  = ["exchanges"]
    }
    audit_log = {
      category = "audit", handler = "audit-log.handler", route = "/audit-log"
      secrets  = []
    }
  }

  validation {
    condition     = alltrue([for k in keys(var.handlers) : can(regex("^[a-z][a-z0-9_]*$", k)) && k != "api"])
    error_message = "handlers: names are lower-case identifiers ([a-z][a-z0-9_]*) and \"api\" is reserved."
  }

  validation {
    condition = alltrue(flatten([
      for h in values(var.handlers) : [
        for s in h.secrets : contains(concat(keys(var.credentials), ["exchanges", "ai"]), s)
      ]
    ]))
    error_message = "handlers: every secrets entry is a credential name or a group (\"exchanges\", \"ai\")."
  }

  validation {
    condition     = alltrue([for h in values(var.handlers) : can(regex("^/[A-Za-z0-9._/-]+$", h.route)) && can(regex("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_]+$", h.handler))])
    error_message = "handlers: route is an absolute path like /health; handler is <module>.<function>."
  }
}

variable "existing_certificate_arns" {
  description = <<-EOT
    Optional: use a certificate that exists in ACM (managed outside this project, e.g. the one
    the local stack imports for its edge) instead of requesting or importing one. Key
    "frontend" (a certificate in us-east-1) or "api" => its ARN; it must be ISSUED. Takes
    precedence over certificate_imports. Empty by default: the certificates are requested.
  EOT
  type    = map(string)
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.existing_certificate_arns) : contains(["frontend", "api"], k)])
    error_message = "existing_certificate_arns: keys are \"frontend\" and \"api\"."
  }

  validation {
    condition     = alltrue([for arn in values(var.existing_certificate_arns) : can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", arn))])
    error_message = "existing_certificate_arns: each value is an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "certificate_imports" {
  description = <<-EOT
    Optional: import a certificate into ACM instead of requesting one with DNS validation.
    Key "frontend" or "api" => PEM file paths (relative to this folder or absolute). A change of
    a file's content re-imports it. Empty by default.
  EOT
  type = map(object({
    certificate_file = string
    private_key_file = string
    chain_file       = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.certificate_imports) : contains(["frontend", "api"], k)])
    error_message = "certificate_imports: keys are \"frontend\" and \"api\"."
  }
}
