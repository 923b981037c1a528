// Text of each page of a PDF file, via unpdf (pdf.js).
import { readFile } from "node:fs/promises";
import { extractText, getDocumentProxy } from "unpdf";

export async function pdfPages(filePath: string): Promise<string[]> {
  const pdf = await getDocumentProxy(new Uint8Array(await readFile(filePath)));
  const { text } = await extractText(pdf, { mergePages: false });
  return text;
}
