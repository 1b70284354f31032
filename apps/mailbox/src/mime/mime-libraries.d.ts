declare module 'libmime' {
  const libmime: {
    parseHeaderValue(value: string): { value: string; params: Record<string, string> };
    decodeWords(value: string): string;
    /** A structured header value (`type; param=value`), parameters quoted or RFC 2231 encoded as needed. */
    buildHeaderValue(structured: { value: string; params: Record<string, string> }): string;
  };
  export default libmime;
}

declare module 'libqp' {
  const libqp: { decode(value: string): Buffer };
  export default libqp;
}
