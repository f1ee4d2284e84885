/**
 * What a console element may contain: nodes, text, and nested lists of them;
 * empty values are left out, so a page can write `condition ? h(...) : null`.
 * Here rather than in assets/dom.js because a JSDoc typedef cannot refer to
 * itself. Types only: nothing here is served.
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[];
