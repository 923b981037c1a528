// Reading a PDF back the way its readers do: its text per page (unpdf, i.e.
// pdf.js), its structure tree and marked content, and poppler's pdffonts/pdfinfo.
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { extractText, getDocumentProxy } from "unpdf";

export async function pdfPages(filePath: string): Promise<string[]> {
  const pdf = await getDocumentProxy(new Uint8Array(await readFile(filePath)));
  const { text } = await extractText(pdf, { mergePages: false });
  return text;
}

/** A node of pdf.js's structure tree: an element (role, children, alt) or a marked-content reference. */
export interface StructNode {
  role?: string;
  alt?: string;
  lang?: string;
  type?: string;
  id?: string;
  children?: StructNode[];
}

export interface TaggedPage {
  tree: StructNode;
  /** Text inside each marked-content id (the ids the tree refers to). */
  content: Map<string, string>;
  /** Text drawn inside Artifact marked content. */
  artifacts: string[];
  /** Text drawn outside any marked content (should be none). */
  untagged: string[];
}

export async function taggedPages(filePath: string): Promise<TaggedPage[]> {
  const pdf = await getDocumentProxy(new Uint8Array(await readFile(filePath)));
  const pages: TaggedPage[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n);
    const tree = (await page.getStructTree()) as StructNode;
    const { items } = await page.getTextContent({ includeMarkedContent: true });
    const content = new Map<string, string>();
    const artifacts: string[] = [];
    const untagged: string[] = [];
    const open: { id: string | null; tag: string }[] = [];
    for (const item of items as ({ type: string; id: string | null; tag: string } | { str: string })[]) {
      if ("type" in item) {
        if (item.type === "beginMarkedContentProps" || item.type === "beginMarkedContent") open.push({ id: item.id ?? null, tag: item.tag });
        else if (item.type === "endMarkedContent") open.pop();
        continue;
      }
      if (item.str === "") continue;
      const inner = open.at(-1);
      if (!inner) untagged.push(item.str);
      else if (open.some((m) => m.tag === "Artifact")) artifacts.push(item.str);
      else if (inner.id) content.set(inner.id, (content.get(inner.id) ?? "") + item.str);
    }
    pages.push({ tree, content, artifacts, untagged });
  }
  return pages;
}

/** The text of a structure element (its marked content, in order). */
export function textOf(node: StructNode, page: TaggedPage): string {
  if (node.type === "content" && node.id) return page.content.get(node.id) ?? "";
  return (node.children ?? []).map((c) => textOf(c, page)).join(" ");
}

/** Every element under `node`, depth first (reading order). */
export function elements(node: StructNode): StructNode[] {
  return (node.children ?? []).flatMap((c) => (c.role ? [c, ...elements(c)] : []));
}

/** Runs a poppler tool (pdffonts, pdfinfo); says how to get it when missing. */
function poppler(tool: "pdffonts" | "pdfinfo", filePath: string): string {
  try {
    return execFileSync(tool, [filePath], { encoding: "utf8" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `${tool} is not installed: run \`node scripts/ensure-test-tools.mjs\` (as root it installs poppler-utils) or \`apt-get install poppler-utils\``,
      );
    }
    throw err;
  }
}

/** pdffonts' table as rows. */
export function fontsOf(filePath: string): { name: string; type: string; encoding: string; embedded: boolean; subset: boolean; unicode: boolean }[] {
  return poppler("pdffonts", filePath)
    .trim()
    .split("\n")
    .slice(2)
    .map((line) => {
      const m = /^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$/.exec(line.trim());
      if (!m) throw new Error(`Unexpected pdffonts line: ${line}`);
      return { name: m[1]!, type: m[2]!, encoding: m[3]!, embedded: m[4] === "yes", subset: m[5] === "yes", unicode: m[6] === "yes" };
    });
}

/** pdfinfo's "Key: value" lines. */
export function infoOf(filePath: string): Record<string, string> {
  return Object.fromEntries(
    poppler("pdfinfo", filePath)
      .trim()
      .split("\n")
      .map((line) => {
        const at = line.indexOf(":");
        return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
      }),
  );
}
