package ports

import (
	"context"
	"slices"

	"github.com/numan-dev/numan/number"
)

// authorityOf is the port authority of account acc's requests (reference
// B.4, find_port_authority): walking from acc up its tree, the first
// account whose settings (number_manager.port.authority) name one, else
// the master. An account naming itself is skipped for its own requests
// (it is not its own authority), and so is a name that is not the account
// itself or one of its ancestors (Numan: Kazoo took any account id, so an
// account could hand its requests to a stranger).
func (s *Service) authorityOf(ctx context.Context, acc *number.Account) (string, error) {
	root := master(acc)
	chain := append([]string{acc.ID}, reversed(acc.Tree)...)
	for i, x := range chain {
		if x == root {
			return root, nil
		}
		ps, err := s.mgr.AccountPortSettings(ctx, x)
		if err != nil {
			return "", err
		}
		w := ps.Authority
		switch {
		case w == "":
			continue
		case w == acc.ID && x == acc.ID:
			continue
		case w != x && !slices.Contains(chain[i+1:], w):
			continue
		}
		if _, err := s.accounts.Get(ctx, w); err != nil {
			if number.IsKind(err, number.KindNotFound) {
				continue
			}
			return "", err
		}
		return w, nil
	}
	return root, nil
}

// agentAuthority is the authority an account acts as on /v2/port_requests
// (Kazoo's set_port_authority for the agent URL): itself when its settings
// name itself, else its own requests' authority. It is a port authority
// when that is itself.
func (s *Service) agentAuthority(ctx context.Context, acc *number.Account) (string, error) {
	ps, err := s.mgr.AccountPortSettings(ctx, acc.ID)
	if err != nil {
		return "", err
	}
	if ps.Authority == acc.ID {
		return acc.ID, nil
	}
	return s.authorityOf(ctx, acc)
}

// supportEmail is where an authority is told of port requests, or "".
func (s *Service) supportEmail(ctx context.Context, authority string) string {
	ps, err := s.mgr.AccountPortSettings(ctx, authority)
	if err != nil {
		return ""
	}
	return ps.SupportEmail
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// mayMove reports whether by may move the request to state to (reference
// B.3, is_user_allowed_to_move_state): anyone who reaches it may submit;
// pending, scheduled, completed and rejected are for the authority and
// the master; canceled too, and for the request's account and its
// ancestors while it is unconfirmed. The system (the carrier follower)
// may make any move the table allows.
func mayMove(sc scope, by By, to State) bool {
	if by.Account == nil {
		return true
	}
	p, who := sc.p, by.Account.ID
	if who == "" || p.AuthorityID == "" {
		return false
	}
	handler := who == p.AuthorityID || who == master(sc.acc)
	switch to {
	case Submitted:
		return true
	case Pending, Scheduled, Completed, Rejected:
		return handler
	case Canceled:
		return handler || p.State == Unconfirmed && (who == p.AccountID || slices.Contains(sc.acc.Tree, who))
	}
	return false
}
