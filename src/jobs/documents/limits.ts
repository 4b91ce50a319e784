// Limits that keep one hostile or mistaken upload from taking a worker's memory or stack.

/** Larger files are not documents a person translates; they are refused before any decoding. */
export const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

/** word/document.xml inflated; bounds a zip bomb, which a 50 MB .docx can otherwise hide. */
export const MAX_DOCX_XML_BYTES = 200 * 1024 * 1024;

export const MAX_SEGMENTS = 200_000;

/** Nesting of JSON arrays and objects; translation files nest a handful of levels. */
export const MAX_JSON_DEPTH = 100;

/** Nesting of XML elements (XLIFF, DOCX); Word's nested tables stay far below it. */
export const MAX_XML_DEPTH = 256;

/**
 * Nesting of HTML elements. Pages nest a few dozen levels; the bound matters because htmlparser2
 * keeps its open elements with Array.unshift, so each open costs time proportional to the depth.
 */
export const MAX_HTML_DEPTH = 512;
