/** The event an app emits when its server is closing: open streams (api/routes/events.ts) end so the server can close. */
export const APP_CLOSING = 'closing';
