/**
 * Email templates: a subject and a body with {{placeholders}}, rendered to
 * text and to HTML (values escaped). Pure, so a template can be checked when
 * it is saved, not when a customer should have received it.
 */
export const EmailKind = {
  abandoned_cart: 'abandoned_cart',
  order_confirmation: 'order_confirmation',
  delivery_done: 'delivery_done',
  ready_for_pickup: 'ready_for_pickup',
  refund: 'refund',
  return: 'return',
  payment_instructions: 'payment_instructions',
  order_cancelled: 'order_cancelled',
} as const;
export type EmailKind = (typeof EmailKind)[keyof typeof EmailKind];

export const PLACEHOLDERS = {
  shop_name: 'the shop name',
  customer_name: "the customer's name (or \"there\")",
  order_number: 'the order number, e.g. S00042',
  lines: 'the order lines, one per line',
  total: 'the order total with its currency',
  recovery_link: 'the link back to the same cart',
  return_link: "the link to the order's return form",
  tracking_number: "the parcel's tracking number",
  tracking_link: "the carrier's tracking page",
  amount: 'the amount of a refund',
  payment_instructions: 'how to pay a wire transfer (the shop\'s instructions, with the order reference)',
  cancel_reason: 'why the order was cancelled',
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;

export interface EmailTemplate {
  subject: string;
  body: string;
}

export type TemplateValues = Partial<Record<Placeholder, string | string[]>>;

const PATTERN = /\{\{\s*([a-z_]+)\s*\}\}/g;

export function isPlaceholder(name: string): name is Placeholder {
  return Object.hasOwn(PLACEHOLDERS, name);
}

/** Everything wrong with a template, as sentences an operator understands; empty when it is fine. */
export function templateProblems(template: EmailTemplate): string[] {
  const problems: string[] = [];
  for (const [field, text] of Object.entries(template)) {
    for (const match of text.matchAll(PATTERN)) {
      if (!isPlaceholder(match[1]!)) {
        problems.push(`${field}: unknown placeholder {{${match[1]}}} (known: ${Object.keys(PLACEHOLDERS).map((p) => `{{${p}}}`).join(', ')})`);
      }
    }
    const stray = text.replace(PATTERN, '');
    if (stray.includes('{{') || stray.includes('}}')) problems.push(`${field}: unbalanced {{ or }}`);
  }
  return problems;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function textOf(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.map((v) => `- ${v}`).join('\n') : value;
}

function htmlOf(name: Placeholder, value: string | string[] | undefined): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<ul>${value.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul>`;
  if (name.endsWith('_link') && /^https?:\/\//.test(value)) return `<a href="${escapeHtml(value)}">${escapeHtml(value)}</a>`;
  return escapeHtml(value);
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function renderEmail(template: EmailTemplate, values: TemplateValues): RenderedEmail {
  const subject = template.subject.replace(PATTERN, (_, name: string) => (isPlaceholder(name) ? textOf(values[name]) : '')).replace(/\s+/g, ' ').trim();
  const text = template.body.replace(PATTERN, (_, name: string) => (isPlaceholder(name) ? textOf(values[name]) : ''));
  // The operator's template is text: escape it, then put the (escaped) values in.
  const html = escapeHtml(template.body)
    .replace(PATTERN, (_, name: string) => (isPlaceholder(name) ? htmlOf(name, values[name]) : ''))
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${paragraph.replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
  return { subject, text, html: `<!doctype html><html><body>\n${html}\n</body></html>` };
}

/** The shipped templates; the abandoned-cart one is the shop's to edit (in the settings). */
export const DEFAULT_TEMPLATES: Record<EmailKind, EmailTemplate> = {
  abandoned_cart: {
    subject: 'Your cart at {{shop_name}} is waiting for you',
    body:
      'Hello {{customer_name}},\n\nYour cart {{order_number}} at {{shop_name}} is waiting for you:\n{{lines}}\n\n' +
      'Total: {{total}}\n\nPick up where you left off: {{recovery_link}}',
  },
  order_confirmation: {
    subject: 'Your order {{order_number}} is confirmed',
    body:
      'Hello {{customer_name}},\n\nThank you for your order {{order_number}} at {{shop_name}}:\n{{lines}}\n\nTotal: {{total}}\n\n' +
      'We will let you know when it ships. Should anything need to come back, use this form: {{return_link}}',
  },
  delivery_done: {
    subject: 'Your order {{order_number}} has shipped',
    body:
      'Hello {{customer_name}},\n\nYour order {{order_number}} is on its way.\n\nTracking number: {{tracking_number}}\n{{tracking_link}}\n\n' +
      'Returns: {{return_link}}',
  },
  ready_for_pickup: {
    subject: 'Your order {{order_number}} is ready for pickup',
    body:
      'Hello {{customer_name}},\n\nYour order {{order_number}} is ready: collect it at {{shop_name}}.\n{{lines}}\n\nTotal: {{total}}\n\n' +
      'Returns: {{return_link}}',
  },
  refund: {
    subject: 'Refund for your order {{order_number}}',
    body: 'Hello {{customer_name}},\n\nWe have refunded {{amount}} for your order {{order_number}}. It may take a few days to show on your statement.',
  },
  return: {
    subject: 'We received your return request for {{order_number}}',
    body: 'Hello {{customer_name}},\n\nWe received your return request for order {{order_number}}:\n{{lines}}\n\nWe will refund you once the goods arrive.',
  },
  payment_instructions: {
    subject: 'How to pay for your order {{order_number}}',
    body: 'Hello {{customer_name}},\n\nThank you for your order {{order_number}} at {{shop_name}}:\n{{lines}}\n\nTotal: {{total}}\n\n{{payment_instructions}}\n\nWe will confirm your order once the money has arrived.',
  },
  order_cancelled: {
    subject: 'Your order {{order_number}} is cancelled',
    body: 'Hello {{customer_name}},\n\nYour order {{order_number}} at {{shop_name}} has been cancelled{{cancel_reason}}.\n\nIf you paid for it, the money is on its way back to you.',
  },
};
