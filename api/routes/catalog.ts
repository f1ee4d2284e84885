import { z } from 'zod';
import { createProduct, listProducts, updateProduct } from '../../db/products.js';
import { getSettings } from '../../db/settings.js';
import { checkTaxClass } from '../../domain/tax.js';
import type { AppDeps } from '../app.js';
import { serveWaitingOrders } from '../deliveries.js';
import type { ApiBuilder } from '../http.js';
import { NewProductBody, ProductPatchBody, ProductSchema, SkuParam } from '../schemas.js';

export function catalogRoutes(api: ApiBuilder, { gateway }: AppDeps): void {
  const { db } = gateway;
  api.route({
    method: 'get',
    path: '/api/products',
    access: 'storefront',
    summary: 'The catalog',
    tags: ['Catalog'],
    responses: { 200: { description: 'Products', schema: z.object({ items: z.array(ProductSchema) }) } },
    handler: async () => ({ body: { items: await listProducts(db) } }),
  });
  api.route({
    method: 'post',
    path: '/api/products',
    access: 'operator',
    summary: 'Add a product',
    tags: ['Catalog'],
    body: NewProductBody,
    responses: { 201: { description: 'Created', schema: ProductSchema }, 409: { description: 'SKU taken' }, 422: { description: 'Unknown tax class' } },
    handler: async ({ body }) => {
      if (body.taxClass !== undefined) checkTaxClass((await getSettings(db)).taxes, body.taxClass);
      return { status: 201, body: await createProduct(db, body) };
    },
  });
  api.route({
    method: 'patch',
    path: '/api/products/{sku}',
    access: 'operator',
    summary: 'Change price, name, stock on hand, returnable, tax class. Added stock serves the orders waiting for it, first come first served.',
    tags: ['Catalog'],
    params: SkuParam,
    body: ProductPatchBody,
    responses: { 200: { description: 'Updated', schema: ProductSchema }, 404: { description: 'Unknown SKU' }, 422: { description: 'Stock below reserved, or unknown tax class' } },
    handler: async ({ params, body }) => {
      if (body.taxClass !== undefined) checkTaxClass((await getSettings(db)).taxes, body.taxClass);
      const product = await updateProduct(db, params.sku, body);
      // More on hand may serve the orders waiting for this product, first come first served.
      if (body.onHand !== undefined) await serveWaitingOrders(gateway);
      return { body: product };
    },
  });
}
