// JSON Schemas written from the TextKing seeds (textking-get-job.md, textking-get-jobs.md) and the
// reference (seed-apis.md §2.4–2.5): every member of the examples, with its type, and nothing else.

const uuid = { type: 'string', format: 'uuid' };
const nullableString = { anyOf: [{ type: 'string' }, { type: 'null' }] };
const nullableNumber = { anyOf: [{ type: 'number' }, { type: 'null' }] };

export const link = {
  $id: 'textking-link',
  type: 'object',
  required: ['rel', 'href'],
  additionalProperties: false,
  properties: { rel: { type: 'string' }, href: { type: 'string', format: 'uri' } },
};

export const job = {
  $id: 'textking-job',
  type: 'object',
  required: ['id', 'number', 'name', 'source_language', 'target_language', 'quality', 'topic', 'briefing', 'state', 'words', 'net_price', 'currency', 'is_active', 'links'],
  additionalProperties: false,
  properties: {
    id: uuid,
    number: { type: 'string' },
    name: { type: 'string' },
    source_language: { type: 'string' },
    target_language: { type: 'string' },
    quality: { enum: ['translation', 'translation-and-correction', 'basic'] },
    topic: nullableString,
    briefing: nullableString,
    state: { enum: ['new', 'translation-pending', 'translation-delivered', 'revision-requested', 'completed', 'canceled'] },
    words: { type: 'integer', minimum: 0 },
    net_price: nullableNumber,
    currency: nullableString,
    is_active: { type: 'boolean' },
    links: { type: 'array', items: { $ref: 'textking-link' } },
  },
};

function page(id: string, item: string) {
  return {
    $id: id,
    type: 'object',
    required: ['page', 'per_page', 'total', 'items', 'links'],
    additionalProperties: false,
    properties: {
      page: { type: 'integer', minimum: 1 },
      per_page: { type: 'integer', minimum: 1, maximum: 100 },
      total: { type: 'integer', minimum: 0 },
      items: { type: 'array', items: { $ref: item } },
      links: { type: 'array', items: { $ref: 'textking-link' } },
    },
  };
}

export const jobList = page('textking-job-list', 'textking-job');

export const project = {
  $id: 'textking-project',
  type: 'object',
  required: ['id', 'number', 'name', 'due_date', 'state', 'currency', 'net_price', 'vat', 'coupon_name', 'coupon_value', 'discount_customer', 'discount_project', 'affiliate_id', 'billing_address', 'links'],
  additionalProperties: false,
  properties: {
    id: uuid,
    number: { type: 'string' },
    name: { type: 'string' },
    due_date: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
    state: { enum: ['prepared', 'running', 'finished', 'canceled'] },
    currency: nullableString,
    net_price: nullableNumber,
    vat: nullableNumber,
    coupon_name: nullableString,
    coupon_value: nullableNumber,
    discount_customer: nullableNumber,
    discount_project: nullableNumber,
    affiliate_id: nullableString,
    billing_address: { anyOf: [{ type: 'object' }, { type: 'null' }] },
    links: { type: 'array', items: { $ref: 'textking-link' } },
  },
};

export const projectList = page('textking-project-list', 'textking-project');

export const error = {
  $id: 'textking-error',
  type: 'object',
  required: ['status', 'message'],
  additionalProperties: false,
  properties: { status: { type: 'integer' }, message: { type: 'string' } },
};

// Topic and Language, from the PHP client's models (TextKing/textking-api-php src/TextKing/Model/Topic.php
// and Language.php): the members their fromJson reads, and nothing else.
export const topic = {
  $id: 'textking-topic',
  type: 'object',
  required: ['id', 'name', 'localization_language'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 }, localization_language: { type: 'string' } },
};
export const topicList = page('textking-topic-list', 'textking-topic');

export const language = {
  $id: 'textking-language',
  type: 'object',
  required: ['code', 'name', 'localization_language'],
  additionalProperties: false,
  properties: { code: { type: 'string', minLength: 2 }, name: { type: 'string', minLength: 1 }, localization_language: { type: 'string' } },
};
export const languageList = page('textking-language-list', 'textking-language');

// LineItem (src/TextKing/Model/LineItem.php): id, description, currency, value.
export const lineItem = {
  $id: 'textking-line-item',
  type: 'object',
  required: ['id', 'description', 'currency', 'value'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, description: { type: 'string' }, currency: { type: 'string' }, value: { type: 'number' } },
};
export const lineItemList = page('textking-line-item-list', 'textking-line-item');

// PriceInfo and Price (src/TextKing/Model/PriceInfo.php, Price.php), as the wiki's GET-price-info example.
export const price = {
  $id: 'textking-price',
  type: 'object',
  required: ['quality', 'price_per_word', 'total_price', 'currency'],
  additionalProperties: false,
  properties: {
    quality: { enum: ['translation', 'translation-and-correction', 'basic'] },
    price_per_word: { type: 'number', minimum: 0 },
    total_price: { type: 'number', minimum: 0 },
    currency: { type: 'string', minLength: 3, maxLength: 3 },
  },
};
export const priceInfo = {
  $id: 'textking-price-info',
  type: 'object',
  required: ['source_language', 'target_language', 'topic', 'words', 'prices'],
  additionalProperties: false,
  properties: {
    source_language: { type: 'string' },
    target_language: { type: 'string' },
    topic: nullableString,
    words: { type: 'integer', minimum: 0 },
    prices: { type: 'array', items: { $ref: 'textking-price' } },
  },
};

// Address (src/TextKing/Model/Address.php) with the wiki's links; AddressList is the usual page.
export const address = {
  $id: 'textking-address',
  type: 'object',
  required: ['id', 'company', 'vat_number', 'street', 'zip', 'city', 'country', 'firstname', 'lastname', 'gender', 'is_default'],
  additionalProperties: false,
  properties: {
    id: uuid,
    company: nullableString,
    vat_number: nullableString,
    street: { type: 'string' },
    zip: { type: 'string' },
    city: { type: 'string' },
    country: { type: 'string' },
    firstname: nullableString,
    lastname: nullableString,
    gender: nullableString,
    is_default: { type: 'boolean' },
    links: { type: 'array', items: { $ref: 'textking-link' } },
  },
};
export const addressList = page('textking-address-list', 'textking-address');
