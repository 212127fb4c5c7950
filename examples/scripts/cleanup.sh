#!/bin/sh
# The last provisioner of every image: nothing from the build may reach production.
# Packer's temporary SSH keys, a shared machine-id, shell history and build leftovers all
# turn into incidents when thousands of instances boot from the same image.
set -eu
rm -f /root/.ssh/authorized_keys
for home in /home/*; do
  [ -d "$home" ] && rm -f "$home/.ssh/authorized_keys"
done
# An empty machine-id is regenerated on first boot; a baked one is shared by every instance.
if [ -f /etc/machine-id ]; then
  : > /etc/machine-id
fi
rm -f /root/.bash_history /root/.ash_history /home/*/.bash_history
rm -rf /tmp/* /tmp/.[!.]* /var/tmp/* /var/tmp/.[!.]* 2>/dev/null || true
apt-get clean
rm -rf /var/lib/apt/lists/*
