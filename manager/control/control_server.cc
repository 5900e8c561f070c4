#include "manager/control/control_server.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstring>
#include <exception>
#include <optional>

#include "common/accept_loop.h"
#include "common/channel.h"
#include "common/frame_codec.h"
#include "common/log.h"
#include "common/wait_status.h"
#include "manager/commands/command_runner.h"
#include "manager/control/control_dispatch.h"
#include "manager/control/control_path.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"
#include "manager/core/task_manager.h"

namespace tabsim {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;

struct ControlServer::Client {
  explicit Client(Channel::Socket socket)
      : channel(std::move(socket), kMaxControlMessageSize,
                kMaxControlReplySize) {}
  Channel channel;
  bool watching = false;
  bool dropped = false;  // over the backlog bound; its channel is closed
  int number = 0;
  pid_t pid = 0;  // SO_PEERCRED, for the log
  int tracing = 0;                // tab id; 0: not tracing
  std::set<std::string> types;    // empty: every type
};

ControlServer::ControlServer(asio::any_io_executor executor, TabHost& host,
                             TaskManager& tasks, UniqueFd listening,
                             std::string path)
    : acceptor_(executor),
      host_(host),
      dispatch_(host, tasks),
      path_(std::move(path)),
      started_(std::chrono::steady_clock::now()) {
  acceptor_.assign(asio::local::stream_protocol(), listening.release());
}

ControlServer::~ControlServer() { Stop(); }

void ControlServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  for (Client* client : clients_) client->channel.Close();
  for (TabSession* tab : host_.tabs())
    if (tab->tracer() == this) tab->set_tracer(nullptr);
  if (!path_.empty()) ::unlink(path_.c_str());
}

asio::awaitable<void> ControlServer::Run() {
  int next_number = 1;
  co_await AcceptLoop(acceptor_, "control socket", stopped_,
                      [&](asio::local::stream_protocol::socket socket) {
    auto peer = PeerCredentials(socket.native_handle());
    Status allowed = peer.ok() ? CheckPeer(*peer, ::geteuid())
                               : Status(peer.error());
    if (!allowed.ok()) {
      TABSIM_LOG(kWarning) << "control socket: " << allowed.error().message;
      // One best-effort line for the refused client, then hang up.
      std::string frame;
      AppendFrame(ErrorReply(allowed.error().message), kMaxControlMessageSize,
                  &frame);
      (void)!::send(socket.native_handle(), frame.data(), frame.size(),
                    MSG_NOSIGNAL | MSG_DONTWAIT);
      return;
    }
    auto client = std::make_shared<Client>(std::move(socket));
    client->number = next_number++;
    client->pid = peer->pid;
    clients_.insert(client.get());
    asio::co_spawn(acceptor_.get_executor(), Serve(client), asio::detached);
  });
}

asio::awaitable<void> ControlServer::Serve(std::shared_ptr<Client> client) {
  TABSIM_LOG(kDebug) << "control client " << client->number << " connected";
  try {
    co_await (ReadRequests(*client) || client->channel.WriteLoop());
  } catch (const std::exception& e) {
    TABSIM_LOG(kWarning) << "control client " << client->number << ": "
                         << e.what();
  }
  client->channel.Close();
  StopTrace(*client);
  clients_.erase(client.get());
  TABSIM_LOG(kDebug) << "control client " << client->number << " gone";
}

asio::awaitable<void> ControlServer::ReadRequests(Client& client) {
  control::ControlRequest request;
  for (;;) {
    error_code error = co_await client.channel.ReadSome();
    std::string_view payload;
    FrameDecoder::Result result;
    while ((result = client.channel.decoder().Next(&payload)) ==
           FrameDecoder::Result::kMessage) {
      if (!ParseControlRequest(payload, &request)) {
        TABSIM_LOG(kWarning) << "control client " << client.number
                             << ": unparsable request; dropping it";
        co_return;
      }
      Handle(client, request);
      if (client.dropped) co_return;
    }
    if (result != FrameDecoder::Result::kNeedMore) {
      TABSIM_LOG(kWarning) << "control client " << client.number << ": "
                           << ToString(result) << "; dropping it";
      co_return;
    }
    if (error) co_return;  // EOF or an error: either way the client is gone
  }
}

bool ControlServer::DropIfBacklogged(Client& client, const char* what) {
  if (client.dropped) return true;
  const size_t queued = client.channel.pending_bytes();
  if (queued <= kMaxClientBacklog) return false;
  TABSIM_LOG(kWarning) << "control client " << client.number << " (pid "
                       << client.pid << ") is not reading its " << what << " ("
                       << queued << " bytes queued, limit " << kMaxClientBacklog
                       << "); dropping it";
  client.dropped = true;
  client.channel.Close();
  return true;
}

void ControlServer::Handle(Client& client,
                           const control::ControlRequest& request) {
  using R = control::ControlRequest;
  // Requests keep coming but the replies are not read: the queue would
  // grow without bound.
  if (DropIfBacklogged(client, "replies")) return;
  control::ControlReply reply;
  switch (request.request_case()) {
    case R::kSnapshot:
      reply = Snapshot(client, int(request.snapshot().tab_id()));
      if (!reply.has_snapshot() && reply.error().empty()) return;  // all sent
      break;
    case R::kTrace:
      reply = StartTrace(client, request.trace());
      if (reply.error().empty()) return;  // no reply: records follow
      break;
    case R::kWatch:
      client.watching = true;
      return;  // no reply: events follow
    default:
      // Everything else needs nothing of this connection.
      reply = *dispatch_.Answer(request);
      if (reply.has_stats()) {
        reply.mutable_stats()->set_control_clients(uint32_t(clients_.size()));
        reply.mutable_stats()->set_control_path(path_);
      }
      break;
  }
  client.channel.Send(BoundControlReply(std::move(reply)));
}

control::ControlReply ControlServer::Snapshot(Client& client, int tab_id) {
  TabSession* tab = host_.Find(tab_id);
  if (tab == nullptr) return ErrorReply("no tab " + std::to_string(tab_id));
  if (!tab->running()) return ErrorReply(DescribeNotLive(*tab));
  FrameView frame = tab->latest_frame();
  if (!frame.IsValid())
    return ErrorReply("tab " + std::to_string(tab_id) + " has no frame yet");
  // Copied now, in full: the view is only valid until the next frame.
  const char* bytes = reinterpret_cast<const char*>(frame.pixels);
  const size_t total = size_t(frame.width) * size_t(frame.height) * 4;
  const size_t row_bytes = size_t(frame.width) * 4;
  const size_t chunk = std::max(row_bytes, kSnapshotChunkBytes / row_bytes * row_bytes);
  if (chunk + 1024 > kMaxControlMessageSize)
    return ErrorReply("tab " + std::to_string(tab_id) +
                      " is too wide to snapshot");
  control::ControlReply reply;
  for (size_t offset = 0; offset < total; offset += chunk) {
    auto* piece = reply.mutable_snapshot();
    piece->set_width(uint32_t(frame.width));
    piece->set_height(uint32_t(frame.height));
    piece->set_frame_sequence(frame.sequence);
    piece->set_offset(offset);
    piece->set_pixels(bytes + offset, std::min(chunk, total - offset));
    piece->set_last(offset + chunk >= total);
    client.channel.Send(reply);
  }
  return control::ControlReply{};
}

void ControlServer::Broadcast(const TabSession& tab, const std::string& kind,
                              const std::string& text) {
  control::ControlReply reply;
  auto* event = reply.mutable_event();
  event->set_time_seconds(std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - started_)
                              .count());
  event->set_tab_id(uint32_t(tab.id()));
  event->set_kind(kind);
  event->set_text(text);
  for (Client* client : clients_) {
    if (!client->watching) continue;
    if (DropIfBacklogged(*client, "watch stream")) continue;
    client->channel.Send(reply);
  }
}

void ControlServer::OnTabSpawned(const TabSession& tab) {
  Broadcast(tab, "spawned", "pid " + std::to_string(tab.pid()) + ", " + tab.url());
}
void ControlServer::OnTabLive(const TabSession& tab) { Broadcast(tab, "live", ""); }
void ControlServer::OnTitleChanged(const TabSession& tab) {
  Broadcast(tab, "title", tab.title());
}
void ControlServer::OnTabLost(const TabSession& tab) {
  Broadcast(tab, tab.state() == TabState::kClosed ? "closed" : "lost",
            tab.cause());
  // Like strace when its process exits: every trace of this tab ends.
  control::ControlReply reply;
  auto* record = reply.mutable_trace();
  record->set_time_seconds(Now());
  record->set_tab_id(uint32_t(tab.id()));
  record->set_end(true);
  record->set_fields(std::string(ToString(tab.state())) + ": " + tab.cause());
  for (Client* client : clients_) {
    if (client->tracing != tab.id()) continue;
    client->channel.Send(reply);
    client->tracing = 0;
  }
  if (TabSession* session = host_.Find(tab.id());
      session == &tab && session->tracer() == this)
    session->set_tracer(nullptr);
}

double ControlServer::Now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       started_)
      .count();
}

control::ControlReply ControlServer::StartTrace(
    Client& client, const control::TraceRequest& request) {
  TabSession* tab = host_.Find(int(request.tab_id()));
  if (tab == nullptr)
    return ErrorReply("no tab " + std::to_string(request.tab_id()));
  if (!tab->running()) return ErrorReply(DescribeNotLive(*tab));
  if (client.tracing != 0 || client.watching)
    return ErrorReply("this connection already streams");
  if (tab->tracer() != nullptr && tab->tracer() != this)
    return ErrorReply("tab " + std::to_string(tab->id()) +
                      " is traced by someone else");
  client.types.clear();
  for (const std::string& type : request.types()) {
    if (!IsMessageTypeName(type))
      return ErrorReply("unknown message type '" + type +
                        "' (have: " + MessageTypeNames() + ")");
    client.types.insert(type);
  }
  client.tracing = tab->id();
  tab->set_tracer(this);
  return control::ControlReply{};
}

void ControlServer::StopTrace(Client& client) {
  const int id = client.tracing;
  if (id == 0) return;
  client.tracing = 0;
  for (Client* other : clients_)
    if (other->tracing == id) return;
  if (TabSession* tab = host_.Find(id); tab && tab->tracer() == this)
    tab->set_tracer(nullptr);
}

void ControlServer::OnMessage(const TabSession& tab, Direction direction,
                              std::string_view payload, std::string_view note) {
  std::optional<DecodedMessage> decoded;  // once, for every client
  for (Client* client : clients_) {
    if (client->tracing != tab.id()) continue;
    if (!decoded) decoded = DecodeMessage(direction, payload);
    if (!client->types.empty() && !client->types.count(decoded->type))
      continue;
    if (DropIfBacklogged(*client, "trace")) continue;
    control::ControlReply reply;
    auto* record = reply.mutable_trace();
    record->set_time_seconds(Now());
    record->set_tab_id(uint32_t(tab.id()));
    record->set_direction(ToString(direction));
    record->set_type(decoded->type);
    record->set_size(uint32_t(ChannelStats::FramedSize(payload.size())));
    record->set_fields(decoded->fields);
    record->set_note(std::string(note));
    client->channel.Send(reply);
  }
}

control::ControlReply BoundControlReply(control::ControlReply reply,
                                        size_t limit) {
  const size_t bytes = reply.ByteSizeLong();
  if (bytes <= limit) return reply;
  return ErrorReply("the reply would be " + std::to_string(bytes) +
                    " bytes, over the control socket's limit of " +
                    std::to_string(limit) +
                    " bytes; ask about one tab instead (stats ID)");
}

}  // namespace tabsim
