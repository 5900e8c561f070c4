// The recording format (manager/recording.h): lines round-trip, and every
// kind of bad file is refused with its file and line.
#include "manager/record/recording.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>

#include "common/protocol.h"
#include "tests/e2e_util.h"

namespace tabsim {
namespace {

record::Entry Header(uint64_t navigation_base = 0) {
  record::Entry entry;
  record::Header* h = entry.mutable_header();
  h->set_format_version(kRecordFormatVersion);
  h->set_protocol_version(kProtocolVersion);
  h->set_tab_id(3);
  h->set_url("sim://paint");
  h->set_width(160);
  h->set_height(120);
  h->set_navigation_base(navigation_base);
  h->set_start_offset_us(1500);
  return entry;
}

record::Entry Click(uint64_t t_us, uint64_t sequence) {
  record::Entry entry;
  entry.set_t_us(t_us);
  proto::InputEvent* input = entry.mutable_input();
  input->set_sequence(sequence);
  input->mutable_mouse()->set_action(proto::MouseEvent::DOWN);
  input->mutable_mouse()->set_x(10);
  input->mutable_mouse()->set_y(-20);
  return entry;
}

record::Entry Frame(uint64_t t_us, uint64_t input, uint64_t hash) {
  record::Entry entry;
  entry.set_t_us(t_us);
  record::Frame* f = entry.mutable_frame();
  f->set_sequence(input + 1);
  f->set_last_input_sequence(input);
  f->set_region_generation(1);
  f->set_width(160);
  f->set_height(120);
  f->set_hash(hash);
  return entry;
}

class RecordingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tabsim-recording-test");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override { testing::RemoveTree(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::trunc) << text;
    return path;
  }
  std::string Lines(const std::vector<record::Entry>& entries) {
    std::string text;
    for (const record::Entry& e : entries) text += FormatEntry(e);
    return text;
  }
  // The error reading `text` as a recording, or "" if it reads.
  std::string ErrorOf(const std::string& text) {
    auto read = ReadRecordingFile(Write("tab-3.rec", text));
    return read.ok() ? "" : read.error().message;
  }

  std::string dir_;
};

TEST(RecordingFormat, FileNamesCarryTheReloadCount) {
  EXPECT_EQ(RecordingFileName(3, 0), "tab-3.rec");
  EXPECT_EQ(RecordingFileName(3, 2), "tab-3.2.rec");
}

TEST(RecordingFormat, EntryIsOneLineAndRoundTrips) {
  record::Entry entry = Click(1234, 1);
  entry.mutable_input()->clear_mouse();
  proto::KeyEvent* key = entry.mutable_input()->mutable_key();
  key->set_key_code(proto::KEY_CHARACTER);
  key->set_text("a\n\"\xC3\xA9");  // a newline and non-ASCII stay escaped
  std::string line = FormatEntry(entry);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  auto parsed = ParseEntryLine(line.substr(0, line.size() - 1));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->SerializeAsString(), entry.SerializeAsString());

  record::Entry frame = Frame(99, 7, 0xFEDCBA9876543210ull);
  auto frame_back = ParseEntryLine(FormatEntry(frame));
  ASSERT_TRUE(frame_back.ok()) << frame_back.error().message;
  EXPECT_EQ(frame_back->frame().hash(), 0xFEDCBA9876543210ull);
}

TEST(RecordingFormat, ParseErrorsSayWhy) {
  auto garbage = ParseEntryLine("t_us: x");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("column"), std::string::npos)
      << garbage.error().message;
  auto empty = ParseEntryLine("t_us: 5");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "no entry");
  EXPECT_FALSE(ParseEntryLine("bogus_field: 1").ok());
}

TEST_F(RecordingTest, WriteThenReadBack) {
  record::Entry navigate;
  navigate.set_t_us(3000);
  navigate.mutable_navigate()->set_url("sim://paint?b");
  navigate.mutable_navigate()->set_navigation_id(2);  // base 1
  record::Entry resize;
  resize.set_t_us(4000);
  resize.mutable_resize()->set_width(200);
  resize.mutable_resize()->set_height(100);
  resize.mutable_resize()->set_region_generation(2);
  record::Entry end;
  end.set_t_us(5000);
  end.mutable_end()->set_cause("exited with code 0");
  end.mutable_end()->set_state("closed");
  std::string path = Write(
      "tab-3.rec", Lines({Header(1), Frame(10, 0, 1), Click(1000, 1),
                          Click(2000, 2), Frame(2100, 2, 2), navigate, resize,
                          Frame(4100, 2, 3), end}));
  auto read = ReadRecordingFile(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->name, "tab-3.rec");
  EXPECT_EQ(read->header.tab_id(), 3u);
  EXPECT_EQ(read->header.navigation_base(), 1u);
  EXPECT_EQ(read->header.start_offset_us(), 1500u);
  ASSERT_EQ(read->commands.size(), 4u);
  EXPECT_EQ(read->commands[0].line, 3);
  EXPECT_TRUE(read->commands[2].entry.has_navigate());
  EXPECT_EQ(read->commands[3].entry.resize().width(), 200u);
  EXPECT_EQ(read->inputs, 2u);
  ASSERT_EQ(read->frames.size(), 3u);
  EXPECT_EQ(read->frames[1].t_us, 2100u);
  EXPECT_EQ(read->frames[2].frame.hash(), 3u);
  ASSERT_TRUE(read->end.has_value());
  EXPECT_EQ(read->end->cause(), "exited with code 0");
  EXPECT_TRUE(read->note.empty());
}

TEST_F(RecordingTest, RejectsEveryMalformedFileWithFileAndLine) {
  const std::string file = dir_ + "/tab-3.rec:";
  record::Entry bad_version = Header();
  bad_version.mutable_header()->set_format_version(2);
  record::Entry bad_protocol = Header();
  bad_protocol.mutable_header()->set_protocol_version(kProtocolVersion + 1);
  record::Entry bad_size = Header();
  bad_size.mutable_header()->set_width(0);
  record::Entry bad_url = Header();
  bad_url.mutable_header()->set_url("no scheme");
  record::Entry empty_input = Click(5, 1);
  empty_input.mutable_input()->clear_mouse();
  record::Entry navigate;
  navigate.mutable_navigate()->set_url("sim://paint");
  navigate.mutable_navigate()->set_navigation_id(2);  // base 0: 1 is due
  record::Entry resize;
  resize.mutable_resize()->set_width(10);
  resize.mutable_resize()->set_height(10);
  resize.mutable_resize()->set_region_generation(3);  // 2 is due
  record::Entry huge_resize = resize;
  huge_resize.mutable_resize()->set_width(kMaxFrameDimension + 1);
  record::Entry end;
  end.mutable_end()->set_state("closed");
  record::Entry far_future = Click(kMaxRecordMicros + 1, 1);
  // Fits a line, but not a message to a tab (replay would hit the framing
  // limit).
  record::Entry begin_frame;
  begin_frame.mutable_begin_frame()->set_sequence(4);
  begin_frame.mutable_begin_frame()->set_interval_us(16666);
  record::Entry no_interval = begin_frame;
  no_interval.mutable_begin_frame()->set_interval_us(0);
  record::Entry answering_five = Frame(0, 0, 1);
  answering_five.mutable_frame()->set_begin_frame_sequence(5);
  record::Entry answering_four = Frame(0, 0, 1);
  answering_four.mutable_frame()->set_begin_frame_sequence(4);
  record::Entry huge_key = Click(1, 1);
  huge_key.mutable_input()->mutable_key()->set_text(std::string(20000, 'k'));

  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", dir_ + "/tab-3.rec: no header (empty recording)"},
      {Lines({Click(0, 1)}), file + "1: expected the header first, got input"},
      {Lines({Frame(0, 0, 1), Header()}),
       file + "1: expected the header first, got frame"},
      {Lines({Header(), Header()}), file + "2: a second header"},
      {Lines({bad_version}),
       file + "1: format version 2 (this tabsim reads version 1)"},
      {Lines({bad_protocol}), file + "1: recorded with protocol version " +
                                  std::to_string(kProtocolVersion + 1) +
                                  "; this tabsim speaks " +
                                  std::to_string(kProtocolVersion)},
      {Lines({bad_size}), file + "1: header: size 0x120 out of range"},
      {Lines({Header(), Click(1, 1), Click(2, 3)}),
       file + "3: input sequence 3 where 2 was due (not replayable: a fresh "
              "tab numbers its inputs 1, 2, 3...)"},
      {Lines({Header(), Click(1, 2)}),
       file + "2: input sequence 2 where 1 was due (not replayable: a fresh "
              "tab numbers its inputs 1, 2, 3...)"},
      {Lines({Header(), empty_input}), file + "2: an input with no event"},
      {Lines({Header(), huge_key}),
       file + "2: an input of " +
           std::to_string(huge_key.input().ByteSizeLong()) + " bytes (at most " +
           std::to_string(kMaxInputEventBytes) + " fit in a message)"},
      {Lines({Header(), navigate}),
       file + "2: navigation id 2 where 1 was due (not replayable)"},
      {Lines({Header(), resize}),
       file + "2: region generation 3 where 2 was due (not replayable)"},
      {Lines({Header(), huge_resize}),
       file + "2: resize to 8193x10 out of range"},
      {Lines({Header(), Click(10, 1), Frame(5, 1, 1)}),
       file + "3: time goes backwards (t_us 5 after 10)"},
      {Lines({Header(), far_future}),
       file + "2: t_us " + std::to_string(kMaxRecordMicros + 1) +
           " out of range"},
      {Lines({Header(), end, Click(1, 1)}), file + "3: input after the end"},
      {Lines({Header()}) + "\n", file + "2: no entry"},
      {Lines({Header(), begin_frame, begin_frame}),
       file + "3: BeginFrame sequence 4 after 4"},
      {Lines({Header(), no_interval}),
       file + "2: BeginFrame interval 0 us out of range"},
      {Lines({Header(), begin_frame, answering_five}),
       file + "3: a frame answering BeginFrame 5, not one sent and unanswered"},
      {Lines({Header(), begin_frame, answering_four, answering_four}),
       file + "4: a frame answering BeginFrame 4, not one sent and unanswered"},
      {Lines({Header(), Frame(1, 1, 7)}),
       file + "2: a frame ahead of the commands before it"},
      {Lines({Header(), Click(1, 1), Click(2, 2), Frame(3, 2, 7), Frame(4, 1, 7)}),
       file + "5: a frame behind the frame before it"},
  };
  for (const Case& c : cases) EXPECT_EQ(ErrorOf(c.text), c.error) << c.text;

  // The header's url goes through the same check as every URL we send.
  EXPECT_NE(ErrorOf(Lines({bad_url})).find(file + "1: header: "),
            std::string::npos);
  // Garbage: protobuf's reason, with the line and column.
  std::string garbage = ErrorOf(Lines({Header(), Click(1, 1)}) + "t_us: 1 frame {{\n");
  EXPECT_EQ(garbage.rfind(file + "3: column ", 0), 0u) << garbage;
}

TEST_F(RecordingTest, RejectsOversizeLinesAndFiles) {
  std::string long_line = "t_us: 1 end { cause: \"" +
                          std::string(kMaxRecordLineBytes, 'x') + "\" }\n";
  EXPECT_EQ(ErrorOf(Lines({Header()}) + long_line),
            dir_ + "/tab-3.rec:2: line longer than 65536 bytes");

  // A sparse file just over the limit: refused by its size, unread.
  std::string path = Write("tab-4.rec", Lines({Header()}));
  ASSERT_EQ(::truncate(path.c_str(), off_t(kMaxRecordFileBytes) + 1), 0);
  auto read = ReadRecordingFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("more than a recording may have"),
            std::string::npos)
      << read.error().message;
}

TEST_F(RecordingTest, AFifoIsRefusedWithoutBlocking) {
  // Opening a FIFO for reading would wait for a writer forever.
  const std::string path = dir_ + "/tab-5.rec";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto read = ReadRecordingFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().message, path + ": not a regular file");
}

TEST_F(RecordingTest, ALastLineWithoutNewlineIsDroppedWithANote) {
  std::string text = Lines({Header(), Click(1, 1)}) + "t_us: 2 inp";
  auto read = ReadRecordingFile(Write("tab-3.rec", text));
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->commands.size(), 1u);
  EXPECT_EQ(read->note, dir_ + "/tab-3.rec:3: no newline at the end "
                               "(recording cut short?); line ignored");
}

TEST_F(RecordingTest, DirectoryNeedsRecordingsAndOrdersThemByStart) {
  auto none = ReadRecordingDirectory(dir_);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, dir_ + ": no recordings (*.rec files) in it");
  auto missing = ReadRecordingDirectory(dir_ + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "open directory " + dir_ + "/nope: No such file or directory");

  record::Entry late = Header();
  late.mutable_header()->set_tab_id(1);
  late.mutable_header()->set_start_offset_us(9000);
  Write("tab-1.rec", Lines({late}));
  Write("tab-3.rec", Lines({Header()}));  // starts at 1500
  Write("notes.txt", "not a recording");
  auto both = ReadRecordingDirectory(dir_);
  ASSERT_TRUE(both.ok()) << both.error().message;
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].name, "tab-3.rec");
  EXPECT_EQ((*both)[1].name, "tab-1.rec");

  // One bad file spoils the directory, and is named.
  Write("tab-2.rec", "garbage\n");
  auto spoiled = ReadRecordingDirectory(dir_);
  ASSERT_FALSE(spoiled.ok());
  EXPECT_EQ(spoiled.error().message.rfind(dir_ + "/tab-2.rec:1: ", 0), 0u)
      << spoiled.error().message;
  ASSERT_EQ(::mkdir((dir_ + "/sub.rec").c_str(), 0700), 0);
  ::unlink((dir_ + "/tab-2.rec").c_str());
  auto with_dir = ReadRecordingDirectory(dir_);
  ASSERT_FALSE(with_dir.ok());
  EXPECT_EQ(with_dir.error().message, dir_ + "/sub.rec: not a regular file");
}

}  // namespace
}  // namespace tabsim
