/**
 * Remote timeouts: neither docker exec nor SSH can kill a process tree, and killing only the
 * top shell leaves its children holding stdout open. Every remote exec therefore runs with
 * `IMAGEGATE_EXEC=<token>` in its environment, which its children inherit; on timeout a second
 * exec kills every process whose environment carries the token. Uses only sh builtins and /proc
 * (`read` drops the NUL separators of /proc/PID/environ), so it works in minimal images.
 */

export const EXEC_TOKEN_VAR = 'IMAGEGATE_EXEC';

/** Shell script killing every process tagged with the token given as `$1`. */
export const KILL_TAGGED = `tag="${EXEC_TOKEN_VAR}=$1"
for p in /proc/[0-9]*; do
  hit=''
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in *"$tag"*) hit=1 ;; esac
  done 2>/dev/null < "$p/environ"
  [ -n "$hit" ] && kill -9 "\${p#/proc/}" 2>/dev/null
done
exit 0
`;

/** Tokens are hex so they can appear in a command line without quoting concerns. */
export function isExecToken(token: string): boolean {
  return /^[0-9a-f]{16,64}$/.test(token);
}
