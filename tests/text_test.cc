// CleanTabText, ToValidUtf8 and IsValidUtf8 (manager/base/text.h): every
// class of bytes a hostile tab may put in a title or log line.
#include "manager/base/text.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tabsim {
namespace {

const std::string kFffd(kReplacementCharacter);
constexpr size_t kBig = 1000;

std::string Clean(std::string_view bytes, size_t max = kBig) {
  return CleanTabText(bytes, max);
}

// Decoded code points of valid UTF-8 (for the property test).
std::u32string CodePoints(std::string_view text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t code = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (size_t k = 1; k < length; ++k)
      code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out += code;
    i += length;
  }
  return out;
}

TEST(Text, ValidTextPassesUnchanged) {
  for (std::string_view text :
       {"", "plain title", "caf\xc3\xa9 \xe2\x82\xac 5", "\xf0\x9f\x98\x80 ok",
        "\xe4\xb8\xad\xe6\x96\x87", "quote \" and backslash \\",
        // U+200E LEFT-TO-RIGHT MARK and U+FFFD itself are text, not controls.
        "a\xe2\x80\x8e" "b\xef\xbf\xbd"}) {
    EXPECT_EQ(Clean(text), text);
    EXPECT_TRUE(IsValidUtf8(text)) << text;
    EXPECT_EQ(ToValidUtf8(text), text);
  }
}

TEST(Text, InvalidSequencesBecomeOneReplacementEach) {
  EXPECT_EQ(Clean("a\x80z"), "a" + kFffd + "z");          // stray continuation
  EXPECT_EQ(Clean("a\xffz"), "a" + kFffd + "z");          // never a UTF-8 byte
  EXPECT_EQ(Clean("a\xe2\x82z"), "a" + kFffd + "z");      // truncated, then text
  EXPECT_EQ(Clean("a\xf0\x9f\x98"), "a" + kFffd);         // truncated at the end
  EXPECT_EQ(Clean("\xe2\x82\xe2\x82\xac"), kFffd + "\xe2\x82\xac");
  // A raw 8-bit CSI byte is not a character at all.
  EXPECT_EQ(Clean("\x9b" "31m"), kFffd + "31m");
}

TEST(Text, OverlongsAreReplacedBytewise) {
  EXPECT_EQ(Clean("\xc0\xaf"), kFffd + kFffd);              // '/' in 2 bytes
  EXPECT_EQ(Clean("\xc1\xbf"), kFffd + kFffd);
  EXPECT_EQ(Clean("\xe0\x80\xaf"), kFffd + kFffd + kFffd);  // '/' in 3 bytes
  EXPECT_EQ(Clean("\xf0\x80\x80\xaf"), kFffd + kFffd + kFffd + kFffd);
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));
}

TEST(Text, SurrogatesAndCodePointsAboveUnicodeAreReplaced) {
  EXPECT_EQ(Clean("\xed\xa0\x80"), kFffd + kFffd + kFffd);  // U+D800
  EXPECT_EQ(Clean("\xed\xbf\xbf"), kFffd + kFffd + kFffd);  // U+DFFF
  EXPECT_EQ(Clean("\xed\x9f\xbf"), "\xed\x9f\xbf");         // U+D7FF is fine
  EXPECT_EQ(Clean("\xf4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // 110000
  EXPECT_EQ(Clean("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");  // U+10FFFF is fine
  EXPECT_EQ(Clean("\xf5\x80\x80\x80"), kFffd + kFffd + kFffd + kFffd);
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));
}

TEST(Text, C0ControlsAreRemovedAndLineBreaksBecomeSpaces) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string text = std::string("a") + char(c) + "b";
    const bool space = c == '\t' || c == '\n' || c == '\r';
    EXPECT_EQ(Clean(text), space ? "a b" : "ab") << "byte " << c;
  }
  EXPECT_EQ(Clean("\x1b[2J\x1b]0;owned\x07title"), "[2J]0;ownedtitle");
  EXPECT_EQ(Clean("one\r\ntwo"), "one  two");
  EXPECT_EQ(Clean(std::string("nul\0byte", 8)), "nulbyte");
}

TEST(Text, DelIsRemoved) { EXPECT_EQ(Clean("a\x7f" "b\x7f"), "ab"); }

TEST(Text, C1ControlsAreRemovedIncludingTheOneCharacterCsi) {
  for (char32_t c = 0x80; c <= 0x9F; ++c) {
    const std::string encoded = {char(0xC2), char(0x80 | (c & 0x3F))};
    EXPECT_EQ(Clean("a" + encoded + "b"), "ab") << "U+" << std::hex << int(c);
  }
  EXPECT_EQ(Clean("\xc2\x9b" "31mred"), "31mred");  // U+009B CSI
  EXPECT_EQ(Clean("\xc2\x85" "next"), "next");      // U+0085 NEL
  EXPECT_EQ(Clean("\xc2\xa0"), "\xc2\xa0");         // U+00A0 is text
}

TEST(Text, BidiControlsAreRemoved) {
  const char* controls[] = {
      "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad",  // LRE RLE PDF LRO
      "\xe2\x80\xae",                                                  // RLO
      "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9",  // LRI RLI FSI PDI
  };
  for (const char* control : controls)
    EXPECT_EQ(Clean(std::string("abc") + control + "def"), "abcdef") << control;
  // The Trojan Source shape: an override hiding the order of what follows.
  EXPECT_EQ(Clean("admin\xe2\x80\xae\xe2\x81\xa6txt.exe\xe2\x81\xa9\xe2\x80\xac"),
            "admintxt.exe");
  // Line and paragraph separators are line breaks: spaces.
  EXPECT_EQ(Clean("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c"), "a b c");
}

TEST(Text, CutsAtACharacterBoundaryWithinTheLimit) {
  const std::string emoji = "\xf0\x9f\x98\x80";  // 4 bytes
  const std::string text = "abc" + emoji + "d";
  EXPECT_EQ(Clean(text, 3), "abc");
  EXPECT_EQ(Clean(text, 4), "abc");  // inside the 4-byte character
  EXPECT_EQ(Clean(text, 5), "abc");
  EXPECT_EQ(Clean(text, 6), "abc");
  EXPECT_EQ(Clean(text, 7), "abc" + emoji);
  EXPECT_EQ(Clean(text, 8), text);
  EXPECT_EQ(Clean(text, 0), "");
  EXPECT_EQ(Clean("\xe2\x82\xac\xe2\x82\xac", 5), "\xe2\x82\xac");
  // Removed characters take no room; a replacement takes its 3 bytes.
  EXPECT_EQ(Clean("\x1b\x1b\x1b" "abc", 3), "abc");
  EXPECT_EQ(Clean("ab\xff", 4), "ab");
  EXPECT_EQ(Clean("ab\xff", 5), "ab" + kFffd);
  // The old cut (200 bytes, then clean) split this title's last character.
  std::string title(199, 'x');
  title += "\xe2\x82\xac";
  EXPECT_EQ(Clean(title, 200), std::string(199, 'x'));
}

TEST(Text, IsCleanTabTextSaysWhetherCleaningChangesAnything) {
  EXPECT_TRUE(IsCleanTabText("plain", 5));
  EXPECT_FALSE(IsCleanTabText("plain", 4));
  EXPECT_TRUE(IsCleanTabText("caf\xc3\xa9", 5));
  for (std::string_view dirty : {"a\tb", "a\x1b", "\x7f", "\xc2\x9b", "\xe2\x80\xae",
                                 "\xe2\x80\xa8", "\xff", "\xe2\x82"})
    EXPECT_FALSE(IsCleanTabText(dirty, kBig)) << dirty;
}

TEST(Text, ToValidUtf8OnlyReplacesInvalidSequences) {
  EXPECT_EQ(ToValidUtf8("a\x1b[1m\xc2\x9b\xe2\x80\xae" "b"),
            "a\x1b[1m\xc2\x9b\xe2\x80\xae" "b");
  EXPECT_EQ(ToValidUtf8("a\xff\xc0\xaf" "b"), "a" + kFffd + kFffd + kFffd + "b");
  EXPECT_EQ(ToValidUtf8("\xe2\x82"), kFffd);
}

// Whatever the bytes: valid UTF-8, within the limit, and none of the
// removed characters left.
TEST(Text, RandomBytesAlwaysComeOutClean) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> byte(0, 255), length(0, 64);
  std::uniform_int_distribution<size_t> limit(0, 48);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(size_t(length(random)), '\0');
    for (char& c : bytes) {
      // Bias towards the interesting lead bytes.
      int b = byte(random);
      c = char(round % 3 == 0 && b < 128 ? 0xC2 + b % 0x33 : b);
    }
    const size_t max = limit(random);
    const std::string clean = CleanTabText(bytes, max);
    ASSERT_LE(clean.size(), max);
    ASSERT_TRUE(IsValidUtf8(clean));
    for (char32_t c : CodePoints(clean)) {
      ASSERT_FALSE(c < 0x20 || (c >= 0x7F && c <= 0x9F)) << int(c);
      ASSERT_FALSE((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069));
    }
    ASSERT_TRUE(IsValidUtf8(ToValidUtf8(bytes)));
    ASSERT_EQ(IsCleanTabText(bytes, max), clean == bytes);
    ASSERT_TRUE(IsCleanTabText(clean, max));
  }
}

}  // namespace
}  // namespace tabsim
