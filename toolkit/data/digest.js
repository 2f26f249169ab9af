"use strict";
// toolkit digest: renders the stories of the JSON blob, a page at a time. Every text from a
// document goes in with textContent (never innerHTML), so markup in a title stays text.
(function () {
  var data = JSON.parse(document.getElementById("digest-data").textContent);
  var rtl = {};
  data.rtl.forEach(function (code) { rtl[code] = true; });
  var state = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== undefined && attrs[name] !== null) node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function langAttrs(lang) {
    return lang ? { lang: lang, dir: rtl[lang] ? "rtl" : "ltr" } : { dir: "auto" };
  }

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var page = parseInt(params.get("page") || "1", 10);
    state = {
      lang: params.get("lang") || "", person: params.get("person") || "",
      place: params.get("place") || "", day: params.get("day") || "",
      page: page > 0 ? page : 1
    };
  }

  function writeHash(changes) {
    Object.keys(changes).forEach(function (key) { state[key] = changes[key]; });
    var params = new URLSearchParams();
    ["lang", "person", "place", "day"].forEach(function (key) {
      if (state[key]) params.set(key, state[key]);
    });
    if (state.page > 1) params.set("page", String(state.page));
    var hash = params.toString();
    if (location.hash.replace(/^#/, "") === hash) render();
    else location.hash = hash;
  }

  function named(list, name) {
    return list.some(function (pair) { return pair[0] === name; });
  }

  function matches(story, ignoreDay) {
    return (!state.lang || story.langs.indexOf(state.lang) >= 0) &&
      (!state.person || named(story.people, state.person)) &&
      (!state.place || named(story.places, state.place)) &&
      (ignoreDay || !state.day || story.date === state.day);
  }

  function select(name, label, choices, current) {
    var wrap = el("label", {}, label + " ");
    var box = el("select", { name: name, id: "filter-" + name });
    box.appendChild(el("option", { value: "" }, "all"));
    choices.forEach(function (choice) {
      var option = el("option", { value: choice }, choice);
      if (choice === current) option.selected = true;
      box.appendChild(option);
    });
    box.addEventListener("change", function () {
      var change = { page: 1 };
      change[name] = box.value;
      writeHash(change);
    });
    wrap.appendChild(box);
    return wrap;
  }

  function renderFilters() {
    var form = document.getElementById("filters");
    form.textContent = "";
    form.appendChild(select("lang", "Language", data.langs, state.lang));
    form.appendChild(select("person", "Person", data.people, state.person));
    form.appendChild(select("place", "Place", data.places, state.place));
    if (state.lang || state.person || state.place || state.day) {
      var clear = el("button", { type: "button", id: "clear" }, "Clear filters");
      clear.addEventListener("click", function () {
        writeHash({ lang: "", person: "", place: "", day: "", page: 1 });
      });
      form.appendChild(clear);
    }
  }

  function renderTimeline(shown) {
    var counts = {};
    shown.forEach(function (story) { if (story.date) counts[story.date] = (counts[story.date] || 0) + 1; });
    var most = 1;
    data.days.forEach(function (day) { most = Math.max(most, counts[day[0]] || 0); });
    var days = data.days.map(function (day) { return day[0]; });
    var oneYear = !days.length || days[0].slice(0, 4) === days[days.length - 1].slice(0, 4);
    var strip = document.getElementById("timeline");
    strip.textContent = "";
    data.days.forEach(function (day) {
      var n = counts[day[0]] || 0;
      var bar = el("button", {
        type: "button", "class": "day" + (state.day === day[0] ? " chosen" : ""),
        "data-day": day[0], title: day[0] + ": " + n + " " + (n === 1 ? "story" : "stories")
      });
      var fill = el("span", { "class": "bar" });
      fill.style.height = Math.round(100 * n / most) + "%";
      bar.appendChild(fill);
      bar.appendChild(el("span", { "class": "label" }, day[0].slice(oneYear ? 5 : 2)));
      bar.addEventListener("click", function () {
        writeHash({ day: state.day === day[0] ? "" : day[0], page: 1 });
      });
      strip.appendChild(bar);
    });
  }

  function entities(label, list, filter) {
    var row = el("div", { "class": "entities " + label.toLowerCase() });
    row.appendChild(el("span", { "class": "what" }, label + ": "));
    list.forEach(function (pair, i) {
      if (i) row.appendChild(document.createTextNode(", "));
      var name = el("bdi", { "class": "name" }, pair[0]);
      if (filter) {  // a link that filters the page by this name
        var params = new URLSearchParams();
        params.set(filter, pair[0]);
        var link = el("a", { href: "#" + params.toString(), "class": "filter" });
        link.appendChild(name);
        name = link;
      }
      row.appendChild(name);
      row.appendChild(el("span", { "class": "n" }, " (" + pair[1] + ")"));
    });
    return row;
  }

  function summary(story) {
    var table = el("table", { "class": "summary" });
    story.summary.forEach(function (pair) {
      var row = el("tr");
      var target = el("td", langAttrs(pair.t ? data.to : pair.l), pair.t || pair.s);
      target.className = pair.t ? "target" : "target untranslated";
      row.appendChild(target);
      if (pair.s && pair.t) {
        var source = el("td", langAttrs(pair.l), pair.s);
        source.className = "source";
        row.appendChild(source);
      }
      table.appendChild(row);
    });
    return table;
  }

  function card(story) {
    var article = el("article", { "class": "story", id: "story-" + story.id, "data-id": story.id });
    article.appendChild(el("h2", langAttrs(story.title ? data.to : story.lang),
                           story.title || story.source_title || story.id));
    if (story.title && story.source_title) {
      article.appendChild(el("p", Object.assign({ "class": "source-title" }, langAttrs(story.lang)),
                             story.source_title));
    }
    var meta = el("p", { "class": "meta" });
    story.langs.forEach(function (lang) { meta.appendChild(el("span", { "class": "lang" }, lang)); });
    if (story.date) meta.appendChild(el("time", { datetime: story.date }, story.date));
    if (story.dateline) meta.appendChild(el("bdi", { "class": "dateline" }, story.dateline));
    if (story.members.length > 1) {
      meta.appendChild(el("span", { "class": "size" }, story.members.length + " documents"));
    }
    article.appendChild(meta);
    if (story.summary.length) article.appendChild(summary(story));
    if (story.people.length) article.appendChild(entities("People", story.people, "person"));
    if (story.orgs.length) article.appendChild(entities("Organisations", story.orgs, ""));
    if (story.places.length) article.appendChild(entities("Places", story.places, "place"));
    story.errors.forEach(function (message) {
      article.appendChild(el("p", { "class": "error" }, message));
    });
    var members = el("ul", { "class": "members" });
    story.members.forEach(function (member) {
      var item = el("li", {});
      var name = member.title || member.id;
      // Only file: links, which the page made itself; a record never chooses a scheme.
      var link = /^file:\/\//.test(member.link) ? el("a", { href: member.link, dir: "auto" }, name)
                                                 : el("bdi", {}, name);
      item.appendChild(link);
      if (member.lang) item.appendChild(el("span", { "class": "lang" }, member.lang));
      members.appendChild(item);
    });
    article.appendChild(members);
    return article;
  }

  function renderPager(total, pages) {
    var pager = document.getElementById("pager");
    pager.textContent = "";
    if (pages <= 1) return;
    [["prev", "Previous", state.page - 1], ["next", "Next", state.page + 1]].forEach(function (b) {
      var button = el("button", { type: "button", id: b[0] }, b[1]);
      button.disabled = b[2] < 1 || b[2] > pages;
      button.addEventListener("click", function () { writeHash({ page: b[2] }); scrollTo(0, 0); });
      pager.appendChild(button);
    });
    pager.insertBefore(el("span", { id: "page" }, "page " + state.page + " of " + pages), pager.lastChild);
  }

  function render() {
    readHash();
    var byFilters = data.stories.filter(function (s) { return matches(s, true); });
    var shown = byFilters.filter(function (s) { return matches(s, false); });
    var pages = Math.max(1, Math.ceil(shown.length / data.pageSize));
    if (state.page > pages) state.page = pages;
    var start = (state.page - 1) * data.pageSize;
    var list = document.getElementById("stories");
    list.textContent = "";
    var fragment = document.createDocumentFragment();
    shown.slice(start, start + data.pageSize).forEach(function (s) { fragment.appendChild(card(s)); });
    list.appendChild(fragment);
    var count = document.getElementById("count");
    count.setAttribute("data-shown", String(shown.length));
    count.setAttribute("data-total", String(data.stories.length));
    count.textContent = shown.length + " of " + data.stories.length + " " +
      (data.stories.length === 1 ? "story" : "stories") +
      (shown.length > data.pageSize ? ", " + data.pageSize + " a page" : "");
    renderFilters();
    renderTimeline(byFilters);
    renderPager(shown.length, pages);
  }

  window.addEventListener("hashchange", render);
  render();
}());
