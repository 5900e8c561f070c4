// The control server's reply bound (BoundControlReply): a list or stats
// reply for thousands of tabs can outgrow what a client takes; it becomes
// an error naming its size, never a CHECK in the manager (which a
// 3,000-tab `ctl stats --json` hit when replies were bound at 512 KiB).
// ctl_test drives the rest of the server through a real `tabsim run`.
#include "manager/control/control_server.h"

#include <gtest/gtest.h>

#include <string>

#include "common/frame_codec.h"

namespace tabsim {
namespace {

control::ControlReply ListOf(int tabs) {
  control::ControlReply reply;
  auto* list = reply.mutable_list();
  for (int i = 1; i <= tabs; ++i) {
    auto* row = list->add_tabs();
    row->set_id(uint32_t(i));
    row->set_url("sim://blank?" + std::to_string(i));
    row->set_title("Blank");
  }
  return reply;
}

TEST(BoundControlReply, AReplyWithinTheLimitIsSentAsItIs) {
  control::ControlReply reply = ListOf(10);
  const size_t bytes = reply.ByteSizeLong();
  control::ControlReply bound = BoundControlReply(reply, bytes);
  ASSERT_TRUE(bound.has_list());
  EXPECT_EQ(bound.list().tabs_size(), 10);
  EXPECT_TRUE(bound.error().empty());
}

TEST(BoundControlReply, ALargerReplyBecomesAnErrorNamingItsSize) {
  control::ControlReply reply = ListOf(10);
  const size_t bytes = reply.ByteSizeLong();
  control::ControlReply bound = BoundControlReply(reply, bytes - 1);
  EXPECT_FALSE(bound.has_list());
  EXPECT_EQ(bound.error(), "the reply would be " + std::to_string(bytes) +
                               " bytes, over the control socket's limit of " +
                               std::to_string(bytes - 1) +
                               " bytes; ask about one tab instead (stats ID)");
}

TEST(BoundControlReply, TheDefaultLimitFitsTheBacklogAndTheClientsDecoder) {
  // What passes the bound can be framed at the reply limit (no CHECK) and
  // queued whole within a client's backlog.
  control::ControlReply reply = ListOf(20000);
  ASSERT_GT(reply.ByteSizeLong(), kMaxControlMessageSize);
  control::ControlReply bound = BoundControlReply(reply);
  ASSERT_TRUE(bound.has_list()) << bound.error();
  std::string frame;
  AppendFrame(bound, kMaxControlReplySize, &frame);
  EXPECT_LE(frame.size(), kMaxClientBacklog);
}

}  // namespace
}  // namespace tabsim
