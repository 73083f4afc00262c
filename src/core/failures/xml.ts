// A small, forgiving XML reader: enough for junit reports (elements, attributes, text, CDATA,
// the five named entities and numeric references). Never throws; malformed input gives what
// could be read.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (s.indexOf("&") < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (all, e: string) => {
    if (e.charCodeAt(0) === 35) {
      const code = e.charAt(1) === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return NAMED[e] ?? all;
  });
}

const ATTR_RE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function parseXml(src: string): XmlElement {
  const root: XmlElement = { name: "#document", attrs: {}, children: [], text: "" };
  const stack: XmlElement[] = [root];
  let i = 0;
  const top = (): XmlElement => stack[stack.length - 1] ?? root;
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    if (lt < 0) {
      top().text += decodeEntities(src.slice(i));
      break;
    }
    if (lt > i) top().text += decodeEntities(src.slice(i, lt));
    if (src.startsWith("<![CDATA[", lt)) {
      const end = src.indexOf("]]>", lt + 9);
      top().text += src.slice(lt + 9, end < 0 ? src.length : end);
      i = end < 0 ? src.length : end + 3;
    } else if (src.startsWith("<!--", lt)) {
      const end = src.indexOf("-->", lt + 4);
      i = end < 0 ? src.length : end + 3;
    } else if (src.startsWith("<?", lt) || src.startsWith("<!", lt)) {
      const end = src.indexOf(">", lt + 2);
      i = end < 0 ? src.length : end + 1;
    } else if (src.charAt(lt + 1) === "/") {
      const end = src.indexOf(">", lt + 2);
      const name = src.slice(lt + 2, end < 0 ? src.length : end).trim();
      // close up to the matching element; a stray close tag is ignored
      for (let k = stack.length - 1; k > 0; k--) {
        if (stack[k]?.name === name) {
          stack.length = k;
          break;
        }
      }
      i = end < 0 ? src.length : end + 1;
    } else {
      const end = tagEnd(src, lt + 1);
      const body = src.slice(lt + 1, end < 0 ? src.length : end);
      i = end < 0 ? src.length : end + 1;
      const selfClosing = body.endsWith("/");
      const inner = selfClosing ? body.slice(0, -1) : body;
      const nameMatch = /^[^\s/>]+/.exec(inner);
      if (!nameMatch) {
        top().text += "<";
        i = lt + 1;
        continue;
      }
      const el: XmlElement = { name: nameMatch[0], attrs: {}, children: [], text: "" };
      for (const m of inner.slice(nameMatch[0].length).matchAll(ATTR_RE)) {
        el.attrs[m[1] ?? ""] = decodeEntities(m[2] ?? m[3] ?? "");
      }
      top().children.push(el);
      if (!selfClosing && stack.length < 64) stack.push(el);
    }
  }
  return root;
}

/** The ">" that ends a tag, skipping quoted attribute values. */
function tagEnd(s: string, from: number): number {
  let q = "";
  for (let i = from; i < s.length; i++) {
    const c = s.charAt(i);
    if (q) {
      if (c === q) q = "";
    } else if (c === '"' || c === "'") q = c;
    else if (c === ">") return i;
  }
  return -1;
}

export function* walk(el: XmlElement): Generator<XmlElement> {
  const todo: XmlElement[] = [el];
  while (todo.length > 0) {
    const e = todo.pop();
    if (!e) break;
    yield e;
    for (let k = e.children.length - 1; k >= 0; k--) {
      const c = e.children[k];
      if (c) todo.push(c);
    }
  }
}
