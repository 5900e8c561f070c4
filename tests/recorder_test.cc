// Recorder (tabsim run --record) against a real TabHost and real tab
// processes: what it writes, per process, and how it fails.
#include "manager/record/recorder.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "common/protocol.h"
#include "manager/core/frame_hash.h"
#include "manager/core/input_builder.h"
#include "manager/record/recording.h"
#include "manager/core/tab_host.h"
#include "tests/e2e_util.h"
#include "tests/host_util.h"

namespace tabsim {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

// What the test itself sees of every frame, to hold the recording against.
class FrameLog : public TabObserver {
 public:
  struct Seen {
    uint64_t navigation;
    uint32_t generation;
    uint64_t input;
    uint64_t hash;
  };
  void OnFrame(const TabSession& tab, const FrameView& frame) override {
    frames[tab.id()].push_back({frame.navigation_id, frame.region_generation,
                                frame.last_input_sequence, FrameHash(frame)});
  }
  void OnTabLost(const TabSession& tab) override { ++lost[tab.id()]; }
  bool Has(int id, uint64_t navigation, uint32_t generation, uint64_t input) {
    for (const Seen& s : frames[id])
      if (s.navigation == navigation && s.generation == generation &&
          s.input == input)
        return true;
    return false;
  }
  std::map<int, std::vector<Seen>> frames;
  std::map<int, int> lost;
};

// The commands a user sent, without the BeginFrames of the display clock.
std::vector<record::Entry> UserCommands(const TabRecording& recording) {
  std::vector<record::Entry> commands;
  for (const RecordedCommand& c : recording.commands)
    if (!c.entry.has_begin_frame()) commands.push_back(c.entry);
  return commands;
}

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::DisableCoreDumps();
    scratch_ = testing::MakeTempDir("tabsim-recorder-test");
    ASSERT_FALSE(scratch_.empty());
    dir_ = scratch_ + "/rec";
    auto created = Recorder::Create(dir_);
    ASSERT_TRUE(created.ok()) << created.error().message;
    recorder_ = std::move(created).value();
  }
  void StartHost(int prelaunch = 0) {
    TabHost::Options options;
    options.tab_executable = testing::TabExecutable();
    options.width = 160;
    options.height = 120;
    options.recorder = recorder_.get();
    options.prelaunch = prelaunch;
    host_.emplace(io_, options);
    host_->AddObserver(recorder_.get());
    host_->AddObserver(&log_);
  }
  void TearDown() override {
    if (host_) ShutdownHost();
    host_.reset();
    recorder_.reset();
    testing::RemoveTree(scratch_);
  }
  bool RunUntil(const std::function<bool()>& done,
                milliseconds timeout = seconds(20)) {
    return testing::RunUntil(io_, done, timeout);
  }
  bool ShutdownHost() { return testing::ShutdownHost(io_, *host_); }
  TabSession* OpenLive(const std::string& url) {
    auto tab = host_->Open(url);
    EXPECT_TRUE(tab.ok()) << tab.error().message;
    if (!tab.ok()) return nullptr;
    TabSession* session = *tab;
    int id = session->id();
    EXPECT_TRUE(RunUntil([&] { return !log_.frames[id].empty(); }))
        << "tab " << id << " never drew";
    return session;
  }

  asio::io_context io_{1};
  std::string scratch_;
  std::string dir_;
  std::unique_ptr<Recorder> recorder_;
  std::optional<TabHost> host_;
  FrameLog log_;
};

TEST_F(RecorderTest, RefusesANonEmptyDirectoryAndWhatIsNoDirectory) {
  struct stat info {};
  ASSERT_EQ(::stat(dir_.c_str(), &info), 0) << "Create makes the directory";
  EXPECT_EQ(info.st_mode & 0777, 0755u & ~::umask(022) & 0777);
  ::umask(022);

  std::ofstream(dir_ + "/left-over") << "x";
  auto full = Recorder::Create(dir_);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().message,
            dir_ + ": directory not empty (a recording needs a new or empty "
                   "directory)");

  auto file = Recorder::Create(dir_ + "/left-over");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().message, dir_ + "/left-over: not a directory");

  auto orphan = Recorder::Create(scratch_ + "/no/such");
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().message,
            "mkdir " + scratch_ + "/no/such: No such file or directory");

  ASSERT_EQ(::mkdir((scratch_ + "/empty").c_str(), 0700), 0);
  EXPECT_TRUE(Recorder::Create(scratch_ + "/empty").ok());
}

TEST_F(RecorderTest, RecordsHeaderCommandsFramesAndEnd) {
  StartHost();
  TabSession* tab = OpenLive("sim://paint");
  ASSERT_NE(tab, nullptr);
  ASSERT_TRUE(tab->SendInput(MouseInput(proto::MouseEvent::DOWN, 0, 20, 40)).ok());
  ASSERT_TRUE(tab->SendInput(MouseInput(proto::MouseEvent::MOVE, 0, 60, 50)).ok());
  ASSERT_TRUE(tab->SendInput(MouseInput(proto::MouseEvent::UP, 0, 60, 50)).ok());
  for (const proto::InputEvent& key : TypeText("hi"))
    ASSERT_TRUE(tab->SendInput(key).ok());
  ASSERT_TRUE(RunUntil([&] { return log_.Has(1, 0, 1, 7); }));
  ASSERT_TRUE(tab->Navigate("sim://paint?second").ok());
  ASSERT_TRUE(RunUntil([&] { return log_.Has(1, 1, 1, 7); }));
  ASSERT_TRUE(tab->Resize(200, 100).ok());
  ASSERT_TRUE(RunUntil([&] { return log_.Has(1, 1, 2, 7); }));
  ASSERT_TRUE(ShutdownHost());
  host_.reset();
  EXPECT_EQ(recorder_->files(), 1u);
  EXPECT_EQ(recorder_->tabs(), 1u);
  EXPECT_TRUE(recorder_->ok());

  auto read = ReadRecordingFile(dir_ + "/tab-1.rec");
  ASSERT_TRUE(read.ok()) << read.error().message;
  const record::Header& header = read->header;
  EXPECT_EQ(header.format_version(), kRecordFormatVersion);
  EXPECT_EQ(header.protocol_version(), kProtocolVersion);
  EXPECT_EQ(header.tab_id(), 1u);
  EXPECT_EQ(header.restarts(), 0u);
  EXPECT_EQ(header.url(), "sim://paint");
  EXPECT_EQ(header.width(), 160u);
  EXPECT_EQ(header.height(), 120u);
  EXPECT_EQ(header.navigation_base(), 0u);

  // The user's commands, and the BeginFrames of the paced tab between them.
  const std::vector<record::Entry> commands = UserCommands(*read);
  ASSERT_EQ(commands.size(), 9u);  // 3 mouse, 4 keys, navigate, resize
  EXPECT_EQ(read->inputs, 7u);
  EXPECT_EQ(commands[0].input().mouse().x(), 20);
  EXPECT_EQ(commands[4].input().key().text(), "h");
  EXPECT_EQ(commands[7].navigate().url(), "sim://paint?second");
  EXPECT_EQ(commands[7].navigate().navigation_id(), 1u);
  EXPECT_EQ(commands[8].resize().width(), 200u);
  EXPECT_EQ(commands[8].resize().region_generation(), 2u);
  for (size_t i = 1; i < read->commands.size(); ++i)
    EXPECT_GE(read->commands[i].entry.t_us(), read->commands[i - 1].entry.t_us());
  // Paced: every frame answers a BeginFrame recorded before it.
  std::set<uint64_t> begin_frames;
  for (const RecordedCommand& c : read->commands)
    if (c.entry.has_begin_frame()) begin_frames.insert(c.entry.begin_frame().sequence());
  EXPECT_GE(begin_frames.size(), read->frames.size());
  for (const RecordedFrame& f : read->frames)
    EXPECT_EQ(begin_frames.count(f.frame.begin_frame_sequence()), 1u)
        << f.frame.begin_frame_sequence();

  // Every frame the host accepted, in order, with the hash we computed.
  const auto& seen = log_.frames[1];
  ASSERT_EQ(read->frames.size(), seen.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    const record::Frame& f = read->frames[i].frame;
    EXPECT_EQ(f.navigation(), seen[i].navigation) << i;
    EXPECT_EQ(f.region_generation(), seen[i].generation) << i;
    EXPECT_EQ(f.last_input_sequence(), seen[i].input) << i;
    EXPECT_EQ(f.hash(), seen[i].hash) << i;
  }
  EXPECT_EQ(read->frames.back().frame.width(), 200u);
  ASSERT_TRUE(read->end.has_value());
  EXPECT_EQ(read->end->state(), "closed");
  EXPECT_EQ(read->end->cause(), "exited with code 0");
}

TEST_F(RecorderTest, AReloadedTabGetsItsOwnFileAndTheLossIsRecorded) {
  StartHost();
  TabSession* tab = OpenLive("sim://paint");
  ASSERT_NE(tab, nullptr);
  ASSERT_TRUE(tab->SendInput(MouseInput(proto::MouseEvent::DOWN, 0, 5, 30)).ok());
  ASSERT_TRUE(RunUntil([&] { return log_.Has(1, 0, 1, 1); }));
  ASSERT_EQ(::kill(tab->pid(), SIGKILL), 0);
  ASSERT_TRUE(RunUntil([&] { return log_.lost[1] == 1 && tab->finished(); }));
  auto reloaded = host_->Reload(1);
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  size_t before = log_.frames[1].size();
  ASSERT_TRUE(RunUntil([&] { return log_.frames[1].size() > before; }));
  ASSERT_TRUE((*reloaded)->SendInput(MouseInput(proto::MouseEvent::DOWN, 0, 9, 30)).ok());
  ASSERT_TRUE(RunUntil([&] { return log_.frames[1].back().input == 1 &&
                                    log_.frames[1].size() > before + 1; }));
  ASSERT_TRUE(ShutdownHost());
  EXPECT_EQ(recorder_->files(), 2u);
  EXPECT_EQ(recorder_->tabs(), 1u);

  auto first = ReadRecordingFile(dir_ + "/tab-1.rec");
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->end.has_value());
  EXPECT_EQ(first->end->state(), "crashed");
  EXPECT_EQ(first->end->cause(), "killed by signal 9 (SIGKILL)");
  auto second = ReadRecordingFile(dir_ + "/tab-1.1.rec");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->header.restarts(), 1u);
  EXPECT_GT(second->header.start_offset_us(), first->header.start_offset_us());
  const std::vector<record::Entry> commands = UserCommands(*second);
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].input().sequence(), 1u);
  EXPECT_EQ(commands[0].input().mouse().x(), 9);
  EXPECT_EQ(second->end->state(), "closed");
}

TEST_F(RecorderTest, ATabTakenFromTheSparesStartsAtItsNavigation) {
  StartHost(/*prelaunch=*/1);
  host_->StartSpares();
  ASSERT_TRUE(RunUntil([&] { return host_->ready_spare_count() == 1; }));
  auto opened = host_->Open("sim://paint");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  TabSession* tab = *opened;
  ASSERT_TRUE(tab->taken_from_spares());
  const int id = tab->id();
  ASSERT_TRUE(tab->SendInput(MouseInput(proto::MouseEvent::DOWN, 0, 30, 30)).ok());
  ASSERT_TRUE(RunUntil([&] { return log_.Has(id, 1, 1, 1); }));
  ASSERT_TRUE(ShutdownHost());

  auto read = ReadRecordingFile(dir_ + "/" + RecordingFileName(id, 0));
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->header.url(), "sim://paint");
  EXPECT_EQ(read->header.navigation_base(), 1u);
  ASSERT_FALSE(read->frames.empty());
  for (const RecordedFrame& f : read->frames)
    EXPECT_EQ(f.frame.navigation(), 0u) << "relative to the base; no blank page";
  // Only the taken tab was recorded, not the spare that replaced it.
  EXPECT_EQ(recorder_->files(), 1u);
}

TEST_F(RecorderTest, AWriteErrorStopsThatRecordingOnceAndTheTabsGoOn) {
  StartHost();
  TabSession* tab = OpenLive("sim://paint");
  ASSERT_NE(tab, nullptr);
  // A file-size limit makes the writes fail the way a full disk does.
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  // Restored however this test ends, so later tests do not inherit it.
  struct Restore {
    rlimit limit;
    void (*handler)(int);
    ~Restore() {
      ::setrlimit(RLIMIT_FSIZE, &limit);
      ::signal(SIGXFSZ, handler);
    }
  } restore{old_limit, ::signal(SIGXFSZ, SIG_IGN)};
  rlimit small{4096, old_limit.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(tab->SendInput(MouseInput(proto::MouseEvent::DOWN, 0, i, 40)).ok());
  ASSERT_TRUE(RunUntil([&] { return log_.Has(1, 0, 1, 200); }));
  const auto settle = std::chrono::steady_clock::now() + milliseconds(250);
  RunUntil([&] { return std::chrono::steady_clock::now() > settle; });
  ASSERT_TRUE(tab->SendInput(MouseInput(proto::MouseEvent::DOWN, 0, 1, 1)).ok());
  ASSERT_TRUE(RunUntil([&] { return log_.Has(1, 0, 1, 201); }));
  ASSERT_TRUE(ShutdownHost());
  std::string err = ::testing::internal::GetCapturedStderr();

  EXPECT_FALSE(recorder_->ok());
  const std::string line = "tabsim: recording stopped: " + dir_ +
                           "/tab-1.rec: File too large\n";
  EXPECT_NE(err.find(line), std::string::npos) << err;
  EXPECT_EQ(err.find("recording stopped"), err.rfind("recording stopped"))
      << "reported once: " << err;
  EXPECT_EQ(tab->state(), TabState::kClosed) << "the tab went on and closed";
  struct stat info {};
  ASSERT_EQ(::stat((dir_ + "/tab-1.rec").c_str(), &info), 0);
  EXPECT_LE(info.st_size, 4096);
}

}  // namespace
}  // namespace tabsim
