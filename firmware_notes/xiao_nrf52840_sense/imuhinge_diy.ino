// imuhinge DIY sensor firmware for the Seeed XIAO nRF52840 Sense (on-board LSM6DS3TR-C IMU).
//
// Implements the GATT profile of firmware_notes/diy_profile.md (version 1).
//
// Build: Arduino IDE or arduino-cli with the "Seeed nRF52 Boards" core (the non-mbed,
// Adafruit-Bluefruit-based one; board "Seeed XIAO nRF52840 Sense") and the library
// "Seeed Arduino LSM6DS3". Set DEVICE_NAME per sensor: imuhinge-ub (upper back), imuhinge-sc
// (sacrum).
//
// Timing: samples are taken on a grid of the 32 MHz crystal clock (micros()), independent of
// the radio. The counter and the timestamp advance on that grid from power-on whether or not a
// client is streaming, so the host sees every lost notification and every reconnect as an exact
// counter jump.

#include <bluefruit.h>
#include <LSM6DS3.h>
#include <Wire.h>

#define DEVICE_NAME "imuhinge-ub"

// 5e17xxxx-fcfe-4f1a-8a99-2e9a92386ee2, little-endian byte order as Bluefruit expects.
static const uint8_t UUID_SERVICE[16] = {0xe2, 0x6e, 0x38, 0x92, 0x9a, 0x2e, 0x99, 0x8a,
                                         0x1a, 0x4f, 0xfe, 0xfc, 0x01, 0x00, 0x17, 0x5e};
static const uint8_t UUID_DATA[16] = {0xe2, 0x6e, 0x38, 0x92, 0x9a, 0x2e, 0x99, 0x8a,
                                      0x1a, 0x4f, 0xfe, 0xfc, 0x02, 0x00, 0x17, 0x5e};
static const uint8_t UUID_CONFIG[16] = {0xe2, 0x6e, 0x38, 0x92, 0x9a, 0x2e, 0x99, 0x8a,
                                        0x1a, 0x4f, 0xfe, 0xfc, 0x03, 0x00, 0x17, 0x5e};

static const uint8_t PROFILE_VERSION = 1;
static const uint8_t HEADER_BYTES = 8;
static const uint8_t SAMPLE_BYTES = 12;
static const uint8_t MAX_SAMPLES = 31;
static const uint8_t FLAG_FIFO_OVERFLOW = 0x01;
static const uint8_t FLAG_CLIPPED = 0x02;
static const uint32_t BATCH_US = 20000;  // send about 20 ms of samples per notification

static const uint16_t ACC_RANGE_G[4] = {2, 4, 8, 16};
static const uint16_t GYR_RANGE_DPS[5] = {125, 245, 500, 1000, 2000};

BLEService imuService(UUID_SERVICE);
BLECharacteristic dataChar(UUID_DATA);
BLECharacteristic configChar(UUID_CONFIG);
LSM6DS3 imu(I2C_MODE, 0x6A);

struct Config {
  uint16_t rateHz;
  uint8_t accCode;
  uint8_t gyrCode;
  uint8_t maxBatch;
  uint8_t streaming;
};

struct Sample {
  uint16_t counter;
  uint32_t timeUs;
  int16_t v[6];
};

// Ring buffer of samples waiting for a notification (1 s at 200 Hz).
static const uint16_t RING = 256;
static Sample ring[RING];
static uint16_t ringHead = 0, ringCount = 0;

static volatile bool configChanged = false;
static Config config = {100, 2, 3, 0, 0};
static Config pending = config;
static uint16_t connHandle = BLE_CONN_HANDLE_INVALID;
static uint8_t flags = 0;

static uint32_t periodUs = 10000;
static uint32_t nextUs = 0;
static uint16_t counter = 0;

void configureImu() {
  imu.settings.accelEnabled = 1;
  imu.settings.gyroEnabled = 1;
  imu.settings.accelRange = ACC_RANGE_G[config.accCode];
  imu.settings.gyroRange = GYR_RANGE_DPS[config.gyrCode];
  // The IMU runs faster than we sample; its filters remove what the grid would alias.
  imu.settings.accelSampleRate = 416;
  imu.settings.gyroSampleRate = 416;
  imu.settings.accelBandWidth = 200;
  imu.begin();
}

bool validConfig(const Config &c) {
  bool rateOk = c.rateHz == 25 || c.rateHz == 50 || c.rateHz == 100 || c.rateHz == 200;
  return rateOk && c.accCode < 4 && c.gyrCode < 5;
}

void configWritten(uint16_t conn, BLECharacteristic *chr, uint8_t *data, uint16_t len) {
  (void)conn;
  (void)chr;
  if (len != 6) return;
  Config c;
  c.rateHz = data[0] | (data[1] << 8);
  c.accCode = data[2];
  c.gyrCode = data[3];
  c.maxBatch = data[4];
  c.streaming = data[5] ? 1 : 0;
  if (!validConfig(c)) return;
  pending = c;
  configChanged = true;  // applied in loop(), outside the SoftDevice callback
}

void storeConfigValue() {
  uint8_t value[6] = {(uint8_t)(config.rateHz & 0xFF), (uint8_t)(config.rateHz >> 8),
                      config.accCode, config.gyrCode, config.maxBatch, config.streaming};
  configChar.write(value, sizeof(value));
}

void applyConfig() {
  bool rangesChanged = pending.accCode != config.accCode || pending.gyrCode != config.gyrCode;
  bool rateChanged = pending.rateHz != config.rateHz;
  config = pending;
  if (rangesChanged) configureImu();
  if (rateChanged) {
    // Keep the time grid continuous: the next sample is one new period after the last one.
    periodUs = 1000000UL / config.rateHz;
  }
  if (!config.streaming) ringCount = 0;
  storeConfigValue();
}

void connected(uint16_t conn) {
  connHandle = conn;
  BLEConnection *c = Bluefruit.Connection(conn);
  c->requestPHY();
  c->requestDataLengthUpdate();
  c->requestMtuExchange(247);
}

void disconnected(uint16_t conn, uint8_t reason) {
  (void)conn;
  (void)reason;
  connHandle = BLE_CONN_HANDLE_INVALID;
  pending = config;
  pending.streaming = 0;  // a new connection must write the config again
  configChanged = true;
}

void startAdvertising() {
  Bluefruit.Advertising.addFlags(BLE_GAP_ADV_FLAGS_LE_ONLY_GENERAL_DISC_MODE);
  Bluefruit.Advertising.addService(imuService);
  Bluefruit.ScanResponse.addName();
  Bluefruit.Advertising.restartOnDisconnect(true);
  Bluefruit.Advertising.setInterval(32, 160);  // 20 ms fast, then 100 ms (units of 0.625 ms)
  Bluefruit.Advertising.setFastTimeout(30);
  Bluefruit.Advertising.start(0);
}

void setup() {
  configureImu();

  Bluefruit.configPrphBandwidth(BANDWIDTH_MAX);  // MTU 247 and long data length
  Bluefruit.begin();
  Bluefruit.setName(DEVICE_NAME);
  Bluefruit.setTxPower(4);
  Bluefruit.Periph.setConnInterval(6, 12);  // 7.5-15 ms
  Bluefruit.Periph.setConnectCallback(connected);
  Bluefruit.Periph.setDisconnectCallback(disconnected);

  imuService.begin();
  dataChar.setProperties(CHR_PROPS_NOTIFY);
  dataChar.setPermission(SECMODE_OPEN, SECMODE_NO_ACCESS);
  dataChar.setMaxLen(HEADER_BYTES + MAX_SAMPLES * SAMPLE_BYTES);
  dataChar.begin();

  configChar.setProperties(CHR_PROPS_READ | CHR_PROPS_WRITE);
  configChar.setPermission(SECMODE_OPEN, SECMODE_OPEN);
  configChar.setFixedLen(6);
  configChar.setWriteCallback(configWritten);
  configChar.begin();
  storeConfigValue();

  startAdvertising();
  nextUs = micros();
}

void takeSample(uint32_t timeUs) {
  if (config.streaming) {
    if (ringCount == RING) {  // the radio fell behind: drop the oldest, tell the host
      ringHead = (ringHead + 1) % RING;
      ringCount--;
      flags |= FLAG_FIFO_OVERFLOW;
    }
    Sample &s = ring[(ringHead + ringCount) % RING];
    s.counter = counter;
    s.timeUs = timeUs;
    s.v[0] = imu.readRawAccelX();
    s.v[1] = imu.readRawAccelY();
    s.v[2] = imu.readRawAccelZ();
    s.v[3] = imu.readRawGyroX();
    s.v[4] = imu.readRawGyroY();
    s.v[5] = imu.readRawGyroZ();
    for (int i = 0; i < 6; i++) {
      if (s.v[i] == INT16_MAX || s.v[i] == INT16_MIN) flags |= FLAG_CLIPPED;
    }
    ringCount++;
  }
  counter++;  // counts every grid tick from power-on, streamed or not
}

uint8_t samplesPerNotification() {
  uint16_t mtu = Bluefruit.Connection(connHandle)->getMtu();
  uint16_t fit = (mtu - 3 - HEADER_BYTES) / SAMPLE_BYTES;
  if (fit > MAX_SAMPLES) fit = MAX_SAMPLES;
  if (config.maxBatch && config.maxBatch < fit) fit = config.maxBatch;
  return fit;
}

void sendPending() {
  if (connHandle == BLE_CONN_HANDLE_INVALID || !dataChar.notifyEnabled(connHandle)) return;
  uint8_t perPacket = samplesPerNotification();
  uint16_t batch = BATCH_US / periodUs;
  if (batch < 1) batch = 1;
  if (batch > perPacket) batch = perPacket;
  uint8_t packet[HEADER_BYTES + MAX_SAMPLES * SAMPLE_BYTES];
  while (ringCount >= batch) {
    const Sample &first = ring[ringHead];
    uint8_t n = ringCount < perPacket ? ringCount : perPacket;
    packet[0] = (PROFILE_VERSION << 5) | n;
    packet[1] = (config.accCode << 6) | (config.gyrCode << 3) | (flags & 0x07);
    packet[2] = first.counter & 0xFF;
    packet[3] = first.counter >> 8;
    packet[4] = first.timeUs & 0xFF;
    packet[5] = (first.timeUs >> 8) & 0xFF;
    packet[6] = (first.timeUs >> 16) & 0xFF;
    packet[7] = first.timeUs >> 24;
    uint8_t *p = packet + HEADER_BYTES;
    for (uint8_t i = 0; i < n; i++) {
      const Sample &s = ring[(ringHead + i) % RING];
      for (int k = 0; k < 6; k++) {
        *p++ = s.v[k] & 0xFF;
        *p++ = (uint16_t)s.v[k] >> 8;
      }
    }
    if (!dataChar.notify(connHandle, packet, HEADER_BYTES + n * SAMPLE_BYTES)) {
      return;  // no free TX buffer: keep the samples, try again next loop
    }
    ringHead = (ringHead + n) % RING;
    ringCount -= n;
    flags = 0;
  }
}

void loop() {
  if (configChanged) {
    configChanged = false;
    applyConfig();
  }
  uint32_t now = micros();
  while ((int32_t)(now - nextUs) >= 0) {  // catch up if the loop was late, on the same grid
    takeSample(nextUs);
    nextUs += periodUs;
  }
  sendPending();
}
