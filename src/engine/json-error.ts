/**
 * Why JSON.parse refused a file, without its content. V8's messages quote the text ("Unexpected token
 * 'r', "root:*:202"... is not valid JSON"), and these messages reach the API's caller, who may have
 * pointed a model folder's vlsm.json at any readable file with a symlink (issue 14).
 */
export function describeJsonError(e: unknown): string {
  const msg = e instanceof Error ? e.message : '';
  if (/end of JSON input/.test(msg)) return 'it ends before the JSON is complete';
  const at = /at position (\d+)/.exec(msg);
  return at ? `syntax error at character ${at[1]}` : 'syntax error';
}
