import type { Request, Response } from 'express';
import { SESSION_COOKIE, type AuthOptions } from './auth-options';

/** Secure where browsers accept it: HTTPS, or plain HTTP on this machine (localhost is a secure context). */
export function wantsSecureCookie(req: Request, mode: AuthOptions['secureCookies']): boolean {
  if (mode === 'always' || req.secure) return true;
  const host = (req.hostname ?? '').toLowerCase();
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.endsWith('.localhost');
}

export function setSessionCookie(req: Request, res: Response, token: string, expiresAt: Date, mode: AuthOptions['secureCookies']): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: wantsSecureCookie(req, mode), path: '/', expires: expiresAt });
}

export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/' });
}

export function clientMeta(req: Request): { ip: string; userAgent: string } {
  return { ip: req.ip ?? req.socket.remoteAddress ?? '', userAgent: String(req.headers['user-agent'] ?? '') };
}
