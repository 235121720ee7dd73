import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
	body: string;
}

type Handler = (request: ReceivedRequest, response: ServerResponse, count: number) => void | Promise<void>;

/** A local HTTP server for steps to call: it keeps every request and answers as each path's handler says (200 "ok" by default). */
export interface Receiver {
	/** http://127.0.0.1:PORT */
	url: string;
	port: number;
	on(path: string, handler: Handler): void;
	/** What arrived at `path` (all paths when omitted), in order. */
	received(path?: string): ReceivedRequest[];
	close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
	const requests: ReceivedRequest[] = [];
	const handlers = new Map<string, Handler>();
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const request: ReceivedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
			requests.push(request);
			const handler = handlers.get(request.path.split('?')[0]);
			const count = requests.filter((r) => r.path === request.path).length;
			Promise.resolve(handler ? handler(request, res, count) : res.end('ok')).catch((error: Error) => {
				res.statusCode = 599;
				res.end(error.message);
			});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		on: (path, handler) => void handlers.set(path, handler),
		received: (path) => requests.filter((r) => path === undefined || r.path === path),
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
