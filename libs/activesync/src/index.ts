export * from './wbxml/wbxml.js';
export { CODE_PAGES } from './wbxml/code-pages.js';
export * from './http/request.js';
