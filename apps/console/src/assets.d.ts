// Stylesheets are bundled by vite; importing one yields nothing to type.
declare module '*.css';
