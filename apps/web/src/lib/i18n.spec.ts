import { defineMessages } from './i18n';

describe('defineMessages', () => {
  it('keeps both languages, functions included', () => {
    const m = defineMessages({ en: { hi: 'Hello', n: (n: number) => `${n} spans` }, ja: { hi: 'こんにちは', n: (n: number) => `${n} 件のスパン` } });
    expect(m.ja.n(3)).toBe('3 件のスパン');
    expect(m.en.hi).toBe('Hello');
  });

  it('rejects (at typecheck) a Japanese bundle that lacks a key or changes arguments', () => {
    // These lines are checked by `tsc -p apps/web`: each must fail to compile.
    // @ts-expect-error missing key
    defineMessages({ en: { a: 'A', b: 'B' }, ja: { a: 'あ' } });
    // @ts-expect-error different argument type
    defineMessages({ en: { n: (n: number) => `${n}` }, ja: { n: (s: string) => s } });
    expect(true).toBe(true);
  });
});
