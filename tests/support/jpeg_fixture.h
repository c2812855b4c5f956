#pragma once
// A real JPEG (tests/testdata/media/python_16x16.jpg) and hand-built metadata segments to
// splice into it: an Exif APP1 with camera make/model/serial and a GPS IFD (latitude and
// longitude of a street in San Miguel, Santiago), and an XMP APP1 with the same position.
// Header-only so unit and integration tests share it without another library.

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace centinela::test {

//! The fixture's bytes (empty if the file is missing; tests check the size).
inline std::string ReadTestJpeg() {
  std::ifstream in(std::string(CENTINELA_SOURCE_DIR) + "/tests/testdata/media/python_16x16.jpg",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace jpeg_detail {
inline void Be16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>((v >> 8) & 0xFF));
  s.push_back(static_cast<char>(v & 0xFF));
}
inline void Be32(std::string& s, uint32_t v) {
  Be16(s, v >> 16);
  Be16(s, v & 0xFFFF);
}
// One 12-byte IFD entry: tag, type, count, value-or-offset (big-endian "MM" TIFF).
inline void Entry(std::string& s, uint16_t tag, uint16_t type, uint32_t count, uint32_t value) {
  Be16(s, tag);
  Be16(s, type);
  Be32(s, count);
  Be32(s, value);
}
inline std::string Segment(uint8_t marker, const std::string& payload) {
  std::string s;
  s.push_back(static_cast<char>(0xFF));
  s.push_back(static_cast<char>(marker));
  Be16(s, static_cast<uint32_t>(payload.size() + 2));
  return s + payload;
}
}  // namespace jpeg_detail

//! Text that appears in the Exif segment and nowhere in the image itself.
inline constexpr char kExifMake[] = "CentinelaTestCam";
inline constexpr char kExifSerial[] = "SN-0042-GPS";
//! The GPS latitude rationals 33/1 29/1 5280/100 as they sit in the Exif bytes.
inline std::string GpsLatitudeBytes() {
  std::string s;
  for (uint32_t v : {33u, 1u, 29u, 1u, 5280u, 100u}) jpeg_detail::Be32(s, v);
  return s;
}

//! APP1 "Exif\0\0" + TIFF: IFD0 {Make, Model, BodySerialNumber, GPSInfo -> GPS IFD
//! {LatitudeRef S, Latitude 33 29 52.80, LongitudeRef W, Longitude 70 39 3.60}}.
inline std::string ExifGpsSegment() {
  using namespace jpeg_detail;
  const std::string make = std::string(kExifMake) + '\0';
  const std::string model = std::string("Model-7") + '\0';
  const std::string serial = std::string(kExifSerial) + '\0';
  // Layout (offsets from the TIFF header): header 8, IFD0 at 8 with 4 entries
  // (2 + 48 + 4 = 54 bytes) -> 62; GPS IFD at 62 with 4 entries -> 116; then data.
  const uint32_t ifd0 = 8, gps_ifd = ifd0 + 2 + 4 * 12 + 4, data = gps_ifd + 2 + 4 * 12 + 4;
  const uint32_t make_at = data, model_at = make_at + make.size(),
                 serial_at = model_at + model.size();
  const uint32_t lat_at = serial_at + serial.size(), lon_at = lat_at + 24;
  std::string t = "MM";
  Be16(t, 42);
  Be32(t, ifd0);
  Be16(t, 4);
  Entry(t, 0x010F, 2, make.size(), make_at);      // Make
  Entry(t, 0x0110, 2, model.size(), model_at);    // Model
  Entry(t, 0xA431, 2, serial.size(), serial_at);  // BodySerialNumber
  Entry(t, 0x8825, 4, 1, gps_ifd);                // GPSInfo IFD pointer
  Be32(t, 0);                                     // no IFD1
  Be16(t, 4);
  Entry(t, 0x0001, 2, 2, 0x53000000);  // GPSLatitudeRef "S"
  Entry(t, 0x0002, 5, 3, lat_at);      // GPSLatitude
  Entry(t, 0x0003, 2, 2, 0x57000000);  // GPSLongitudeRef "W"
  Entry(t, 0x0004, 5, 3, lon_at);      // GPSLongitude
  Be32(t, 0);
  t += make + model + serial + GpsLatitudeBytes();
  for (uint32_t v : {70u, 1u, 39u, 1u, 360u, 100u}) Be32(t, v);
  return Segment(0xE1, std::string("Exif\0\0", 6) + t);
}

//! APP1 XMP packet carrying the same position.
inline std::string XmpGpsSegment() {
  return jpeg_detail::Segment(
      0xE1, std::string("http://ns.adobe.com/xap/1.0/\0", 29) +
                "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
                "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description "
                "xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" exif:GPSLatitude=\"33,29.88S\" "
                "exif:GPSLongitude=\"70,39.06W\"/></rdf:RDF></x:xmpmeta>");
}

//! The fixture with both segments right after SOI (where cameras put them), before JFIF.
inline std::string JpegWithGps() {
  const std::string plain = ReadTestJpeg();
  if (plain.size() < 2) return {};
  return plain.substr(0, 2) + ExifGpsSegment() + XmpGpsSegment() + plain.substr(2);
}

}  // namespace centinela::test
