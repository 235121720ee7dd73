import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * A training module's Markdown as HTML a page may insert: markdown-it with raw HTML off (an
 * author's `<script>` is shown as text), then sanitize-html with an allow-list as a second wall,
 * so whatever a future markdown-it option lets through, no script, style, event handler, iframe
 * or javascript: URL reaches the page. Links open in a new tab without the page's opener.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

const ALLOWED_TAGS = ['p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'strong', 'em', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'img'];

export function renderMarkdown(source: string): string {
	return sanitizeHtml(markdown.render(source), {
		allowedTags: ALLOWED_TAGS,
		allowedAttributes: { a: ['href', 'title', 'rel', 'target'], img: ['src', 'alt', 'title'], ol: ['start'], th: ['style'], td: ['style'] },
		allowedStyles: { th: { 'text-align': [/^(left|right|center)$/] }, td: { 'text-align': [/^(left|right|center)$/] } },
		allowedSchemes: ['http', 'https', 'mailto'],
		allowedSchemesByTag: { img: ['https'] },
		allowProtocolRelative: false,
		transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }) }
	});
}
