// Text that goes into an email. Header values can never carry a line break
// (the classic header-injection hole), whatever a caller passes.
export function headerText(value: string): string {
  return value.replace(/[\r\n\0\u2028\u2029]+/g, " ").trim();
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
