// The board's drag and drop. Dropping a card on another column fills the hidden #board-move
// form and submits it, so the server performs the one real transition behind the drag, or
// answers with the board and the reason it refused — exactly as the buttons under the cards,
// which remain the way to move a card without a pointer or without this script.

const form = document.getElementById("board-move");
let dragged = null;

const clearTargets = () =>
  document.querySelectorAll("section.board-column.drop-target").forEach((c) => c.classList.remove("drop-target"));

function setField(name, value) {
  const input = form.elements.namedItem(name);
  if (input) input.value = value;
}

if (form) {
  for (const card of document.querySelectorAll("article.card[draggable]")) {
    card.addEventListener("dragstart", (e) => {
      dragged = card;
      card.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      // Firefox starts a drag only when it carries some data.
      e.dataTransfer.setData("text/plain", card.dataset.id ?? "");
    });
    card.addEventListener("dragend", () => {
      card.classList.remove("dragging");
      dragged = null;
      clearTargets();
    });
  }

  for (const column of document.querySelectorAll("section.board-column")) {
    // A drop on the card's own column changes nothing, so it is not offered.
    const accepts = () => dragged && dragged.closest("section.board-column") !== column;
    column.addEventListener("dragover", (e) => {
      if (!accepts()) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      column.classList.add("drop-target");
    });
    column.addEventListener("dragleave", (e) => {
      if (!column.contains(e.relatedTarget)) column.classList.remove("drop-target");
    });
    column.addEventListener("drop", (e) => {
      if (!accepts()) return;
      e.preventDefault();
      setField("type", dragged.dataset.type ?? "");
      setField("id", dragged.dataset.id ?? "");
      setField("to", column.dataset.column ?? "");
      clearTargets();
      form.submit();
    });
  }
}
