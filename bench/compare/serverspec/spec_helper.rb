# serverspec's side of bench/compare: the same target as imagegate, over SSH (net-ssh, one
# connection) or docker exec. serverspec's own docker backend needs the docker-api gem, which
# Debian does not package; this backend runs each command through `docker exec` as that one does.
require 'serverspec'
require 'open3'

if ENV['SPEC_SSH_HOST']
  require 'net/ssh'
  set :backend, :ssh
  set :host, ENV.fetch('SPEC_SSH_HOST')
  # The SSH user is unprivileged and the checks need no root, as for imagegate and Testinfra.
  set :disable_sudo, true
  set :ssh_options,
      user: ENV.fetch('SPEC_SSH_USER'),
      port: Integer(ENV.fetch('SPEC_SSH_PORT')),
      keys: [ENV.fetch('SPEC_SSH_KEY')],
      keys_only: true,
      user_known_hosts_file: ENV.fetch('SPEC_SSH_KNOWN_HOSTS'),
      global_known_hosts_file: '/dev/null'
else
  module Specinfra
    module Backend
      class DockerExec < Exec
        def run_command(cmd, _opts = {})
          out, err, status = Open3.capture3('docker', 'exec', ENV.fetch('SPEC_CONTAINER'), '/bin/sh', '-c', cmd)
          CommandResult.new(stdout: out, stderr: err, exit_status: status.exitstatus)
        end
      end
    end
  end
  set :backend, :docker_exec
end
# The target's OS is known: spare serverspec its detection probes, as imagegate has none.
set :os, family: 'debian', release: '12'
