-- A cart id is one cart in the whole deployment: it is the cart's MQTT username (broker account,
-- embedded-broker login). The table's key is (store, cart), and provisioning checked the other
-- stores by reading before writing, so two stores provisioning one id at the same moment could
-- both get it. This index makes the second insert fail (the API answers 409 CART_EXISTS). A
-- database already holding an id in two stores stops here with the ids named (precheck in
-- sql/migrate.ts), not with SQLite's bare constraint error.
CREATE UNIQUE INDEX IF NOT EXISTS carts_cart ON carts (cart);
