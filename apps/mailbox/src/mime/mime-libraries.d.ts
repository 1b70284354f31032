declare module 'libmime' {
  const libmime: {
    parseHeaderValue(value: string): { value: string; params: Record<string, string> };
    decodeWords(value: string): string;
  };
  export default libmime;
}

declare module 'libqp' {
  const libqp: { decode(value: string): Buffer };
  export default libqp;
}
