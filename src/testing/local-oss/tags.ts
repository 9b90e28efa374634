import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorReply } from './errors.js';

/** An object's tags, key to value, in the order they were given. */
export type TagSet = Map<string, string>;

/**
 * OSS's rules for object tags (PutObjectTagging's usage notes, and the error pages EC 0010-00000209,
 * 0010-00000210, 0010-00000214 and 0010-00000217): at most 10 tags with unique keys, a key of 1 to 128 and a
 * value of 0 to 256 characters, each a letter, a digit, a space or one of + - = . _ : /
 */
const MAX_TAGS = 10;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
const TAG_CHARACTERS = /^[A-Za-z0-9 +\-=._:/]*$/;

/** The tags as a TagSet, or InvalidTag for the first rule they break. */
function checkedTags(pairs: readonly (readonly [key: string, value: string])[]): TagSet | ErrorReply {
  if (pairs.length > MAX_TAGS) return invalidTag(`An object can have at most ${MAX_TAGS} tags.`);
  const tags: TagSet = new Map();
  for (const [key, value] of pairs) {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH || !TAG_CHARACTERS.test(key)) {
      return invalidTag('The TagKey you have provided is invalid.');
    }
    if (value.length > MAX_VALUE_LENGTH || !TAG_CHARACTERS.test(value)) return invalidTag('The TagValue you have provided is invalid.');
    if (tags.has(key)) return invalidTag('Cannot provide multiple Tags with the same key.');
    tags.set(key, value);
  }
  return tags;
}

const invalidTag = (message: string): ErrorReply => ({ error: 'InvalidTag', message });

/**
 * The tags of `x-oss-tagging` on PutObject and on the AppendObject that creates an object: URL-encoded
 * `k=v&k2=v2`, where a key alone is a tag with an empty value and `aa=bb=cc` is refused (EC 0010-00000219).
 */
export function tagsFromHeader(headers: IncomingHttpHeaders): TagSet | ErrorReply {
  const header = headers['x-oss-tagging'];
  if (typeof header !== 'string') return new Map();
  const pairs: [string, string][] = [];
  for (const pair of header.split('&').filter(Boolean)) {
    const [key = '', value = '', ...extra] = pair.split('=');
    if (extra.length > 0) return invalidTag('x-oss-tagging must be URL-encoded key=value pairs.');
    try {
      pairs.push([decodeURIComponent(key), decodeURIComponent(value)]);
    } catch {
      return invalidTag('x-oss-tagging is not validly URL-encoded.');
    }
  }
  return checkedTags(pairs);
}

/** `<name>content</name>` or `<name/>`, capturing the content (by default text). */
const element = (name: string, content = '[^<]*'): string => `(?:<${name}>(${content})</${name}>|<${name}\\s*/>)`;
const TAGGING_DOCUMENT = new RegExp(
  `^\\s*(?:<\\?xml[^>]*\\?>\\s*)?<Tagging(?:\\s[^>]*)?>\\s*${element('TagSet', '[\\s\\S]*')}\\s*</Tagging>\\s*$`,
);
const TAG = new RegExp(`^\\s*<Tag>\\s*${element('Key')}\\s*${element('Value')}\\s*</Tag>`);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The tags of PutObjectTagging's body, `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>...</TagSet>
 * </Tagging>`; MalformedXML for any other shape, a Tag without its Key or Value included (EC 0010-00000107).
 * Written for what SDKs send (Key before Value), not as a general XML parser.
 */
export function tagsFromXml(body: Buffer): TagSet | ErrorReply {
  const document = TAGGING_DOCUMENT.exec(body.toString('utf8'));
  if (!document) return { error: 'MalformedXML' };
  let rest = document[1] ?? '';
  const pairs: [string, string][] = [];
  for (let tag = TAG.exec(rest); tag; tag = TAG.exec(rest)) {
    pairs.push([unescapeXml(tag[1] ?? ''), unescapeXml(tag[2] ?? '')]);
    rest = rest.slice(tag[0].length);
  }
  return rest.trim() === '' ? checkedTags(pairs) : { error: 'MalformedXML' };
}

/** Decoded so that an escaped character is judged by the tag rules, not taken as the escape's letters. */
const unescapeXml = (text: string): string => text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]!);

/** GetObjectTagging's body. Stored tags passed the rules, so none holds a character XML would need escaped. */
export function tagsXml(tags: TagSet): string {
  const tagElements = [...tags].map(([key, value]) => `    <Tag>\n      <Key>${key}</Key>\n      <Value>${value}</Value>\n    </Tag>`);
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<Tagging>', '  <TagSet>', ...tagElements, '  </TagSet>', '</Tagging>'].join('\n');
}
