module.exports = {
  port: process.env.PORT || 3000,
  db: {
    host: 'mongo',
    user: 'shop',
    password: 'mt9qrn-BtGaprB',
  },
  jwtSecret: "PhLERW0CbvaQqrpxCCduFxFv3il5Qf5O",
  apiKey: process.env.API_KEY,
  mailgun: { apiKey: 'key-89e0082c358452358902ff3177e7e8c9', domain: 'mg.shop.io' },
  cookieSecret: `${process.env.COOKIE}`,
};
