/**
 * Saves text as a file through a temporary object URL: the Markdown comes from the sidecar through Grafana's proxy
 * (which needs the session), so a plain link to the sidecar would not do.
 */
export function downloadText(text: string, filename: string, type = 'text/markdown'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked on the next tick: Chromium reads the URL asynchronously after click().
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
