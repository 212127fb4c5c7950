# Hardened Ubuntu base AMI: the AWS path of the example (linted here, built where AWS is).
# Each setting below answers one of imagegate's lint policies; `imagegate lint` on this
# directory reports nothing.

packer {
  required_plugins {
    amazon = {
      version = ">= 1.3.0, < 2.0.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "git_sha" {
  type    = string
  default = env("GIT_SHA")
}

variable "builder" {
  type    = string
  default = env("IMAGEGATE_BUILDER")
}

variable "build_cidr" {
  type        = string
  description = "Where the build's temporary security group accepts SSH from (the CI runner's range)."
  default     = "10.0.0.0/16"
}

locals {
  build_time = timestamp()
  ami_name   = "base-ubuntu-22.04-${formatdate("YYYYMMDD-hhmmss", local.build_time)}"
}

source "amazon-ebs" "base" {
  ami_name      = local.ami_name
  instance_type = "t3.micro"
  region        = var.region
  encrypt_boot  = true

  source_ami_filter {
    filters = {
      name                = "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = ["099720109477"]
    most_recent = true
  }

  ssh_username                          = "ubuntu"
  temporary_security_group_source_cidrs = [var.build_cidr]

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  tags = {
    Name       = local.ami_name
    Git-SHA    = var.git_sha
    Build-Time = local.build_time
    Base-OS    = "ubuntu-22.04"
    Built-By   = var.builder
  }
}

build {
  sources = ["source.amazon-ebs.base"]

  provisioner "shell" {
    environment_vars = ["DEBIAN_FRONTEND=noninteractive"]
    inline = [
      "sudo apt-get update -qq",
      "sudo apt-get install -y -qq chrony=4.2-2ubuntu2 unattended-upgrades=2.8ubuntu1",
    ]
  }

  provisioner "shell" {
    execute_command = "sudo sh -c '{{ .Vars }} {{ .Path }}'"
    script          = "../../scripts/cleanup.sh"
  }

  post-processor "manifest" {
    output     = "manifest.json"
    strip_path = true
  }
}
