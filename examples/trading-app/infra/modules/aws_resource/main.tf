# One AWS resource managed by Terraform core alone (no provider): three terraform_data resources.
#
#   lifecycle   the resource's identity; its destroy-time provisioner deletes the AWS resource
#   converge    re-created whenever identity or spec change; its provisioner runs `ensure`
#               (create or bring to spec) and writes the generated attributes to a file
#   attributes  the file's content, kept in state (ids and ARNs AWS generated)
#
# See ../../README.md for why.

locals {
  # path.module is relative to the root module ("modules/aws_resource"): the same in every checkout.
  script = "${path.module}/../../scripts/aws_resource.py"

  identity = {
    kind   = var.kind
    name   = var.name
    region = var.region
    python = var.python
    script = local.script
  }

  attributes_file = "${path.root}/.attributes/${terraform_data.lifecycle.id}.json"
}

resource "terraform_data" "lifecycle" {
  input            = local.identity
  triggers_replace = { kind = var.kind, name = var.name }

  # Destroy this resource before whatever its spec refers to (secrets before their key,
  # records before their zone, the distribution before its certificate, ...).
  depends_on = [var.spec]

  provisioner "local-exec" {
    when        = destroy
    interpreter = [self.input.python, self.input.script]
    command     = "delete"
    environment = {
      RESOURCE_KIND   = self.input.kind
      RESOURCE_NAME   = self.input.name
      RESOURCE_REGION = self.input.region
    }
  }
}

resource "terraform_data" "converge" {
  triggers_replace = { identity = local.identity, spec = var.spec }

  provisioner "local-exec" {
    interpreter = [var.python, local.script]
    command     = "ensure"
    environment = {
      RESOURCE_KIND            = var.kind
      RESOURCE_NAME            = var.name
      RESOURCE_REGION          = var.region
      RESOURCE_SPEC            = jsonencode(var.spec)
      RESOURCE_ATTRIBUTES_FILE = local.attributes_file
    }
  }
}

resource "terraform_data" "attributes" {
  # Unknown until converge has run (the condition refers to its id), then read from the file it
  # wrote. Later plans keep the value in state: the file may be gone (another checkout, CI).
  # Compare with "" and not null: Terraform knows an unknown id is not null, so `id == null`
  # would be a known false at plan time and the file would be read before converge wrote it.
  input = jsondecode(
    terraform_data.converge.id == "" ? "{}" : (
      fileexists(local.attributes_file) ? file(local.attributes_file) : "{}"
    )
  )
  triggers_replace = terraform_data.converge.id

  lifecycle {
    ignore_changes = [input]

    postcondition {
      condition     = length(self.output) > 0
      error_message = "No attributes for ${var.kind} ${var.name}: ensure did not write ${local.attributes_file}."
    }
  }
}
