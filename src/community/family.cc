#include "community/family.h"

#include <boost/json.hpp>
#include <memory>

#include "auth/accounts.h"
#include "common/hash.h"
#include "events/types.h"
#include "store/row_map.h"
#include "store/sql.h"

namespace centinela::community {

namespace {

namespace json = boost::json;

const store::RowMap<FamilyLink> kRow(
    "id, owner_id, member_id, invite_email, invite_phone, status, created_ms, "
    "updated_ms",
    {&FamilyLink::id, &FamilyLink::owner_id, &FamilyLink::member_id, &FamilyLink::invite_email,
     &FamilyLink::invite_phone, &FamilyLink::status, &FamilyLink::created_ms,
     &FamilyLink::updated_ms});

FamilyLink FromRow(const store::Rows& rows, size_t i) { return kRow.Read(rows, i); }

// Both sides hear of every change to their link; the payload names no contact details.
// The owner's copy names the member only once they have accepted: until then whether the
// invited email or phone has an account (and which) is not the inviter's to learn.
Status AppendEvents(store::Tx& tx, const std::string& type, const std::string& actor,
                    const FamilyLink& l) {
  for (const std::string& user : {l.owner_id, l.member_id}) {
    if (user.empty()) continue;
    const bool hide_member = user == l.owner_id && l.status != "accepted";
    const std::string payload = json::serialize(json::object{
        {"link", l.id},
        {"owner", l.owner_id},
        {"member", hide_member || l.member_id.empty() ? json::value(nullptr)
                                                      : json::value(l.member_id)},
        {"status", l.status}});
    auto ev = tx.Append(
        store::EventDraft{type, actor, "family:" + l.id, events::scope::User(user), payload});
    if (!ev.ok()) return ev.status();
  }
  return Status::Ok();
}

bool IsInvitee(const FamilyLink& l, const FamilyCaller& c) {
  if (!l.member_id.empty()) return l.member_id == c.user_id;
  return (!l.invite_email.empty() && l.invite_email == c.email) ||
         (!l.invite_phone.empty() && l.invite_phone == c.phone);
}

std::function<void(Status, std::vector<store::Event>)> Finish(
    std::shared_ptr<FamilyLink> l, std::function<void(Result<FamilyLink>)> done) {
  return [l, done = std::move(done)](Status s, std::vector<store::Event>) {
    if (!s.ok()) return done(s);
    done(*l);
  };
}

}  // namespace

void FamilyService::Invite(const FamilyCaller& owner, const std::string& email,
                           const std::string& phone, std::function<void(Result<FamilyLink>)> done) {
  if (email.empty() == phone.empty())
    return done(Unprocessable("give exactly one of 'email' or 'phone'"));
  if ((!email.empty() && email == owner.email) || (!phone.empty() && phone == owner.phone))
    return done(Unprocessable("you cannot invite yourself"));
  auto l = std::make_shared<FamilyLink>();
  l->id = NewId();
  l->owner_id = owner.user_id;
  l->invite_email = email;
  l->invite_phone = phone;
  l->status = "invited";
  store_.Write(
      [l](store::Tx& tx) -> Status {
        auto user = auth::UserIdByContact(
            tx, l->invite_email.empty() ? auth::ContactKind::kPhone : auth::ContactKind::kEmail,
            l->invite_email.empty() ? l->invite_phone : l->invite_email);
        if (!user.ok()) return user.status();
        if (*user) l->member_id = **user;
        if (l->member_id == l->owner_id) return Unprocessable("you cannot invite yourself");
        // Active links of this owner to the same person, and the reverse direction.
        auto dup = tx.Exec(
            "SELECT COUNT(*) AS n FROM family_links WHERE status IN ('invited', 'accepted') AND "
            "((owner_id = $1 AND (member_id = $2 OR invite_email = $3 OR invite_phone = $4)) OR "
            "(owner_id = $2 AND member_id = $1))",
            {l->owner_id, l->member_id.empty() ? std::string("\x01") : l->member_id,
             store::TextOrNull(l->invite_email), store::TextOrNull(l->invite_phone)});
        if (!dup.ok()) return dup.status();
        if (dup->Int(0, "n") > 0) return Conflict("you are already linked to or inviting them");
        auto count = tx.Exec(
            "SELECT COUNT(*) AS n FROM family_links WHERE owner_id = $1 AND status IN "
            "('invited', 'accepted')",
            {l->owner_id});
        if (!count.ok()) return count.status();
        if (count->Int(0, "n") >= kMaxFamilyLinks)
          return Unprocessable("a family circle holds at most 50 people");
        l->created_ms = l->updated_ms = tx.NowMs();
        auto ins = tx.Exec(
            "INSERT INTO family_links (id, owner_id, member_id, invite_email, invite_phone, "
            "status, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, 'invited', $6, $6)",
            {l->id, l->owner_id, store::TextOrNull(l->member_id),
             store::TextOrNull(l->invite_email), store::TextOrNull(l->invite_phone),
             l->created_ms});
        if (!ins.ok()) return ins.status();
        return AppendEvents(tx, events::type::kFamilyInvited, l->owner_id, *l);
      },
      Finish(l, std::move(done)));
}

Status FamilyService::BindPending(const FamilyCaller& c) {
  if (c.email.empty() && c.phone.empty()) return Status::Ok();
  const char* pending_where =
      " FROM family_links WHERE member_id IS NULL AND status = 'invited' AND owner_id <> $1 AND "
      "(invite_email = $2 OR invite_phone = $3)";
  const store::Params params{c.user_id, store::TextOrNull(c.email), store::TextOrNull(c.phone)};
  auto waiting = store_.Query(std::string("SELECT id") + pending_where, params);
  if (!waiting.ok()) return waiting.status();
  if (waiting->empty()) return Status::Ok();  // the common case: no write
  return store_.WriteSync([c, pending_where, params](store::Tx& tx) -> Status {
    // Read again inside the write: another listing may have bound them meanwhile.
    auto rows = tx.Exec("SELECT " + kRow.Select() + pending_where, params);
    if (!rows.ok()) return rows.status();
    for (size_t i = 0; i < rows->size(); ++i) {
      FamilyLink l = FromRow(*rows, i);
      l.member_id = c.user_id;
      l.updated_ms = tx.NowMs();
      auto up = tx.Exec(
          "UPDATE family_links SET member_id = $1, updated_ms = $2 WHERE id = $3 AND "
          "member_id IS NULL",
          {l.member_id, l.updated_ms, l.id});
      if (!up.ok()) return up.status();
      Status ev = AppendEvents(tx, events::type::kFamilyBound, c.user_id, l);
      if (!ev.ok()) return ev;
    }
    return Status::Ok();
  });
}

Result<std::vector<FamilyLink>> FamilyService::Mine(const FamilyCaller& c) {
  Status bound = BindPending(c);
  if (!bound.ok()) return bound;
  auto rows = store_.Query(
      "SELECT " + kRow.Select() +
          " FROM family_links WHERE owner_id = $1 OR member_id = $1 OR (member_id IS NULL AND "
          "(invite_email = $2 OR invite_phone = $3)) ORDER BY created_ms DESC, id LIMIT 500",
      {c.user_id, store::TextOrNull(c.email), store::TextOrNull(c.phone)});
  return store::MapRows<FamilyLink>(rows, FromRow);
}

void FamilyService::Answer(const std::string& id, const FamilyCaller& caller, bool accept,
                           std::function<void(Result<FamilyLink>)> done) {
  auto l = std::make_shared<FamilyLink>();
  store_.Write(
      [l, id, caller, accept](store::Tx& tx) -> Status {
        auto rows = tx.Exec("SELECT " + kRow.Select() + " FROM family_links WHERE id = $1", {id});
        if (!rows.ok()) return rows.status();
        if (rows->empty()) return NotFound("no family link '" + id + "'");
        *l = FromRow(*rows, 0);
        if (!IsInvitee(*l, caller))
          return PermissionDenied("only the invited person answers an invitation");
        if (l->status != "invited") return Conflict("the invitation is " + l->status);
        l->member_id = caller.user_id;
        l->status = accept ? "accepted" : "declined";
        l->updated_ms = tx.NowMs();
        auto up = tx.Exec(
            "UPDATE family_links SET member_id = $1, status = $2, updated_ms = $3 WHERE id = $4",
            {l->member_id, l->status, l->updated_ms, id});
        if (!up.ok()) return up.status();
        return AppendEvents(tx,
                            accept ? events::type::kFamilyAccepted : events::type::kFamilyDeclined,
                            caller.user_id, *l);
      },
      Finish(l, std::move(done)));
}

void FamilyService::Leave(const std::string& id, const FamilyCaller& caller,
                          std::function<void(Result<FamilyLink>)> done) {
  auto l = std::make_shared<FamilyLink>();
  store_.Write(
      [l, id, caller](store::Tx& tx) -> Status {
        auto rows = tx.Exec("SELECT " + kRow.Select() + " FROM family_links WHERE id = $1", {id});
        if (!rows.ok()) return rows.status();
        if (rows->empty()) return NotFound("no family link '" + id + "'");
        *l = FromRow(*rows, 0);
        if (l->owner_id != caller.user_id && l->member_id != caller.user_id)
          return PermissionDenied("only the two people linked may leave the link");
        if (l->status != "invited" && l->status != "accepted")
          return Conflict("the link is " + l->status);
        l->status = "left";
        l->updated_ms = tx.NowMs();
        auto up = tx.Exec("UPDATE family_links SET status = 'left', updated_ms = $1 WHERE id = $2",
                          {l->updated_ms, id});
        if (!up.ok()) return up.status();
        return AppendEvents(tx, events::type::kFamilyLeft, caller.user_id, *l);
      },
      Finish(l, std::move(done)));
}

Result<std::vector<std::string>> FamilyCircleOf(store::Store& store, const std::string& user_id) {
  auto rows = store.Query(
      "SELECT owner_id AS u FROM family_links WHERE member_id = $1 AND status = 'accepted' "
      "UNION SELECT member_id AS u FROM family_links WHERE owner_id = $1 AND status = 'accepted' "
      "AND member_id IS NOT NULL",
      {user_id});
  return store::TextColumn(rows, "u");
}

}  // namespace centinela::community
