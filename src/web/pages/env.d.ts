// Stylesheets imported by the page entries are bundled by esbuild (scripts/build-pages.mjs) into one .css per page.
declare module '*.css' {}
