package console

import (
	"net/http"
	"net/url"
)

// userRow is a user as the API lists it.
type userRow struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	PrivLevel string `json:"priv_level"`
	Enabled   bool   `json:"enabled"`
}

// usersView is the users page's data.
type usersView struct {
	Users []userRow
	// Admin: the user may create, change and delete users (else they see
	// and change only themselves).
	Admin bool
	Self  string
}

// usersPage lists the account's users, to create, change and delete
// them (admins), or to change one's own name and password.
func usersPage(p *page) error {
	v := &usersView{Admin: !p.Session.ReadOnly(), Self: p.Session.OwnerID}
	if _, err := p.get(p.acct()+"/users", nil, &v.Users); err != nil {
		return err
	}
	p.Data = v
	return nil
}

// userAction creates, changes or deletes a user.
func userAction(p *page) error {
	back := "/a/" + p.Account.ID + "/users"
	f := p.field
	id := f("id")
	var (
		rp   *apiReply
		err  error
		done string
	)
	switch f("action") {
	case "create":
		data := map[string]any{"username": f("username"), "first_name": f("first_name"), "last_name": f("last_name"),
			"email": f("email"), "priv_level": "user"}
		if f("admin") == "1" {
			data["priv_level"] = "admin"
		}
		if pw := p.r.PostFormValue("password"); pw != "" {
			data["password"] = pw
		}
		rp, err = p.api(http.MethodPut, p.acct()+"/users", nil, map[string]any{"data": data})
		done = "User " + f("username") + " created."
	case "update":
		data := map[string]any{"first_name": f("first_name"), "last_name": f("last_name"), "email": f("email")}
		if p.r.PostForm.Has("priv") {
			data["priv_level"] = "user"
			if f("admin") == "1" {
				data["priv_level"] = "admin"
			}
			data["enabled"] = f("enabled") == "1"
		}
		if pw := p.r.PostFormValue("password"); pw != "" {
			data["password"] = pw
		}
		rp, err = p.api(http.MethodPatch, p.acct()+"/users/"+url.PathEscape(id), nil, map[string]any{"data": data})
		done = "User saved."
		if err == nil && rp.ok() && id == p.Session.OwnerID && rp.AuthToken != "" && rp.AuthToken != p.Session.Token {
			// A new password ended this session's token: the reply's new
			// one carries on.
			http.SetCookie(p.w, p.c.cookie(sessionCookie, rp.AuthToken, 3600))
		}
	case "delete":
		rp, err = p.api(http.MethodDelete, p.acct()+"/users/"+url.PathEscape(id), nil, nil)
		done = "User deleted."
	default:
		return p.redirect(back, &flash{Kind: "error", Text: "Unknown action."})
	}
	return p.after(rp, err, back, done)
}
