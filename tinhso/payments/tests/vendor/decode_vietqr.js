// Decode VietQR payloads (one per line on stdin) with the independent parser vietnam-qr-pay
// (npm, MIT, vendored in ./vietnam-qr-pay, version in its package.json); print one JSON per line.
const { QRPay } = require('./vietnam-qr-pay/dist');
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
for (const line of lines) {
  const qr = new QRPay(line);
  console.log(JSON.stringify({
    isValid: qr.isValid,
    version: qr.version,
    initMethod: qr.initMethod,
    fieldId: qr.provider.fieldId,
    guid: qr.provider.guid,
    service: qr.provider.service,
    bankBin: qr.consumer.bankBin,
    bankNumber: qr.consumer.bankNumber,
    currency: qr.currency,
    amount: qr.amount,
    nation: qr.nation,
    purpose: qr.additionalData.purpose,
    crc: qr.crc,
  }));
}
