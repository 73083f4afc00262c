// Database URLs in what we print or store never show a password: "user:secret@" → "user:***@".
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:)([^\s@/'"]+)(@)/gi;

export function redact(text: string): string {
  return text.replace(URL_PASSWORD, "$1***$3");
}
