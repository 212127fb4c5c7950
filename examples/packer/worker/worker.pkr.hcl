# Worker image: a queue worker that runs as an unprivileged user. No packages are installed,
# so it builds in seconds. Its credentials arrive at boot (WORKER_TOKEN in the environment),
# never in the image: binaries and OS config bake, secrets and settings boot.

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

source "docker" "worker" {
  image  = "debian:bookworm"
  pull   = false
  commit = true
  changes = [
    "ENTRYPOINT [\"/usr/local/bin/worker\"]",
    "USER worker",
    "LABEL org.opencontainers.image.revision=${var.git_sha}",
    "LABEL org.opencontainers.image.created=${var.build_time}",
    "LABEL org.opencontainers.image.base.name=debian:bookworm",
    "LABEL dev.imagegate.builder=${var.builder}",
  ]
}

build {
  sources = ["source.docker.worker"]

  provisioner "shell" {
    inline = [
      "useradd --system --home-dir /var/lib/worker --create-home --shell /usr/sbin/nologin worker",
      "install -d -o worker -g worker -m 0750 /var/lib/worker/queue",
      "install -d -m 0755 /etc/worker",
    ]
  }

  provisioner "file" {
    source      = "files/worker.sh"
    destination = "/usr/local/bin/worker"
  }

  provisioner "file" {
    source      = "files/worker.conf"
    destination = "/etc/worker/worker.conf"
  }

  provisioner "shell" {
    inline = ["chmod 0755 /usr/local/bin/worker", "chmod 0644 /etc/worker/worker.conf"]
  }

  provisioner "shell" {
    script = "../../scripts/cleanup.sh"
  }

  post-processor "docker-tag" {
    repository = "imagegate-example/worker"
    tags       = ["dev"]
  }

  post-processor "manifest" {
    output     = "manifest.json"
    strip_path = true
  }
}
