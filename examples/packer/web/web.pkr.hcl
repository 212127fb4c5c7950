# Web image: nginx serving a static site, built on debian:bookworm with Packer's docker builder.
# imagegate injects GIT_SHA, IMAGEGATE_BUILD_TIME and IMAGEGATE_BUILDER; they become labels
# (the lesson's SHA / Time / OS / Builder tags) so every container says where it came from.

variable "git_sha" {
  type    = string
  default = env("GIT_SHA")
}

variable "build_time" {
  type    = string
  default = env("IMAGEGATE_BUILD_TIME")
}

variable "builder" {
  type    = string
  default = env("IMAGEGATE_BUILDER")
}

variable "image_tag" {
  type    = string
  default = "dev"
}

source "docker" "web" {
  image  = "debian:bookworm"
  pull   = false
  commit = true
  changes = [
    "ENTRYPOINT [\"/usr/sbin/nginx\", \"-g\", \"daemon off;\"]",
    "EXPOSE 80",
    "LABEL org.opencontainers.image.revision=${var.git_sha}",
    "LABEL org.opencontainers.image.created=${var.build_time}",
    "LABEL org.opencontainers.image.base.name=debian:bookworm",
    "LABEL dev.imagegate.builder=${var.builder}",
  ]
}

build {
  sources = ["source.docker.web"]

  provisioner "shell" {
    environment_vars = ["DEBIAN_FRONTEND=noninteractive"]
    inline = [
      "apt-get update -qq",
      # imagegate:ignore package-unpinned -- bookworm's nginx only moves with security updates, which we want
      "apt-get install -y -qq --no-install-recommends nginx curl ca-certificates",
      "mkdir -p /var/www/site",
    ]
  }

  provisioner "file" {
    source      = "files/site.conf"
    destination = "/etc/nginx/sites-available/default"
  }

  provisioner "file" {
    source      = "files/index.html"
    destination = "/var/www/site/index.html"
  }

  provisioner "shell" {
    script = "../../scripts/cleanup.sh"
  }

  post-processor "docker-tag" {
    repository = "imagegate-example/web"
    tags       = [var.image_tag]
  }

  post-processor "manifest" {
    output     = "manifest.json"
    strip_path = true
  }
}
