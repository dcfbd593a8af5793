// The elements' one way to save a file: the kit module's Blob-URL download (never a data: URL,
// never a network request). Re-exported here so elements do not reach into src/kit for it.
export { downloadTextFile } from "../kit/download.js";
